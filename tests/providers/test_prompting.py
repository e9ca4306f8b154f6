"""Prompt templates: booth fields in braces, validated when the slot is saved, rendered per job."""

from __future__ import annotations

import pytest

from providers.gemini import OPERATIONS
from providers.prompting import PromptTemplateError, placeholders, render, template_errors
from providers.schema import ParamsInvalid

STYLE_REFS = ["tm-1", "tm-2"]


def params_for(operation: str, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {"prompt": "Paint {name} as a pirate"}
    if operation == "style_transfer":
        base["style_images"] = STYLE_REFS
    if operation == "background_replace":
        base["background"] = "tm-bg"
    base.update(overrides)
    return base


def test_placeholders_are_listed_once_in_first_use_order() -> None:
    assert placeholders("{name} and {pet}, {name} again") == ["name", "pet"]


def test_booth_fields_fill_their_placeholders() -> None:
    assert render("Paint {name} as a {role}", {"name": "Ann", "role": "pirate"}) == "Paint Ann as a pirate"


def test_missing_booth_field_renders_as_empty_string() -> None:
    assert render("Hello {name}!", {}) == "Hello !"


def test_double_braces_are_literal_braces() -> None:
    assert render("{{not a field}} {name}", {"name": "Bo"}) == "{not a field} Bo"


def test_field_values_are_inserted_verbatim_and_never_reparsed() -> None:
    assert render("Hi {name}", {"name": "{secret.__class__} }{"}) == "Hi {secret.__class__} }{"


def test_very_long_field_values_are_capped() -> None:
    assert len(render("{name}", {"name": "x" * 10_000})) == 500


@pytest.mark.parametrize("name", ["name", "_x", "Survey_Answer_2", "a" * 64])
def test_any_identifier_is_an_allowed_placeholder(name: str) -> None:
    assert template_errors("{" + name + "}") == []


@pytest.mark.parametrize(
    "template",
    [
        "{}",
        "{0}",
        "{a.b}",
        "{a[0]}",
        "{a!r}",
        "{a:>10}",
        "{ name }",
        "{na-me}",
        "{1abc}",
        "{" + "a" * 65 + "}",
        "unbalanced {",
        "unbalanced }",
        "{a:{b}}",
    ],
)
def test_malformed_placeholders_are_rejected(template: str) -> None:
    assert template_errors(template)
    with pytest.raises(PromptTemplateError):
        render(template, {"a": "1", "name": "x"})


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_operation_validation_reports_a_malformed_placeholder_on_the_prompt_field(operation: str) -> None:
    with pytest.raises(ParamsInvalid) as caught:
        OPERATIONS[operation].validate(params_for(operation, prompt="Paint {0} as {user.name}"))
    assert list(caught.value.fields) == ["prompt"]
    assert "{0}" in caught.value.fields["prompt"][0]


def test_unbalanced_braces_message_explains_how_to_write_literal_braces() -> None:
    with pytest.raises(ParamsInvalid) as caught:
        OPERATIONS["edit"].validate(params_for("edit", prompt="a } b"))
    assert "{{ and }}" in caught.value.fields["prompt"][0]


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_valid_params_are_cleaned_with_defaults_filled_in(operation: str) -> None:
    cleaned = OPERATIONS[operation].validate(params_for(operation))
    assert cleaned["prompt"] == "Paint {name} as a pirate"
    assert cleaned["model"] == "gemini-2.5-flash-image"
    assert cleaned["match_input_size"] is True
    assert (cleaned["output_format"], cleaned["quality"]) == ("jpeg", 90)
    assert "fallback_models" not in cleaned


def test_operations_end_with_the_output_params() -> None:
    for operation in OPERATIONS.values():
        assert [param.name for param in operation.params][-2:] == ["output_format", "quality"]


def test_style_transfer_takes_at_most_four_style_images() -> None:
    with pytest.raises(ParamsInvalid) as caught:
        OPERATIONS["style_transfer"].validate(params_for("style_transfer", style_images=list("abcde")))
    assert "style_images" in caught.value.fields


def test_model_names_that_could_escape_the_url_path_are_rejected() -> None:
    with pytest.raises(ParamsInvalid) as caught:
        OPERATIONS["edit"].validate(params_for("edit", model="../x", fallback_models="ok-model, bad name?"))
    assert set(caught.value.fields) == {"model", "fallback_models"}
