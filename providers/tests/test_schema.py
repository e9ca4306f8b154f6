from __future__ import annotations

import pytest

from providers.local import LocalProvider
from providers.registry import Registry, UnknownOperation, UnknownProvider
from providers.schema import Operation, Param, ParamsInvalid

OPS = LocalProvider.operations


def test_defaults_are_filled_in():
    assert OPS["sepia"].validate({}) == {"strength": 1.0, "output_format": "jpeg", "quality": 90}


def test_numbers_given_as_strings_are_coerced():
    assert OPS["fit"].validate({"width": "100", "height": 50.0})["width"] == 100


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"width": 0, "height": 10}, "width"),
        ({"width": 10.5, "height": 10}, "width"),
        ({"width": True, "height": 10}, "width"),
        ({"width": 10}, "height"),
        ({"width": 10, "height": 10, "mode": "zoom"}, "mode"),
        ({"width": 10, "height": 10, "quality": 101}, "quality"),
        ({"width": 10, "height": 10, "colour": "red"}, "colour"),
    ],
)
def test_invalid_params_are_reported_per_field(params, field):
    with pytest.raises(ParamsInvalid) as caught:
        OPS["fit"].validate(params)
    assert field in caught.value.fields


def test_non_finite_numbers_are_refused():
    with pytest.raises(ParamsInvalid):
        OPS["sepia"].validate({"strength": float("nan")})


def test_template_ids_lists_referenced_media_in_order():
    op = Operation("x", "X", (Param("styles", "template_media_list", max_items=3), Param("bg", "template_media")))
    cleaned = op.validate({"styles": ["a", "b"], "bg": "c"})
    assert op.template_ids(cleaned) == {"styles": ["a", "b"], "bg": ["c"]}


def test_schema_description_has_what_a_form_needs():
    described = {p["name"]: p for p in OPS["fit"].describe()["params"]}
    assert described["width"] == {
        "name": "width",
        "type": "integer",
        "label": "Width",
        "help": "",
        "required": True,
        "default": None,
        "minimum": 1,
        "maximum": 10000,
    }
    assert described["mode"]["choices"] == ["cover", "contain", "stretch"]


def test_registry_builds_from_settings_shape_and_rejects_unknown_names():
    registry = Registry({"local": {"BACKEND": "providers.local.LocalProvider"}})
    assert registry.names() == ["local"]
    assert registry.operation("local", "sepia").name == "sepia"
    with pytest.raises(UnknownProvider):
        registry.provider("nope")
    with pytest.raises(UnknownOperation):
        registry.operation("local", "nope")


def test_registry_refuses_a_provider_registered_under_another_name():
    with pytest.raises(ValueError):
        Registry({"other": {"BACKEND": "providers.local.LocalProvider"}})


def test_numbers_past_a_doubles_exact_integers_are_refused_even_without_declared_bounds():
    op = Operation("x", "X", (Param("count", "integer"), Param("ratio", "number")))

    assert op.validate({"count": 2**53, "ratio": "1e-400"}) == {"count": 2**53, "ratio": 0.0}
    with pytest.raises(ParamsInvalid) as caught:
        op.validate({"count": 10**400, "ratio": -(10**400)})
    assert set(caught.value.fields) == {"count", "ratio"}
