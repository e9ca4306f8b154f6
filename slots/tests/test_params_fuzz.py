"""Hostile parameter values on every operation of every provider, through the slot API, the slot
service and the admin form: each is accepted or refused per field (422), and nothing is a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ValidationFailed
from core.provider_registry import provider_registry
from slots.models import Slot
from slots.services import slot_create
from slots.tests.api_helpers import LIST, expect_error
from tests.admin.conftest import form_data, form_errors

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

OPERATIONS = [(provider.name, name) for provider in provider_registry() for name in provider.operations]


def _param_names(provider: str, operation: str) -> list[str]:
    return [param.name for param in provider_registry().operation(provider, operation).params]


NUMERIC = [
    (provider, operation, param.name)
    for provider, operation in OPERATIONS
    for param in provider_registry().operation(provider, operation).params
    if param.type in ("integer", "number")
]
TEXT = [
    (provider, operation, param.name)
    for provider, operation in OPERATIONS
    for param in provider_registry().operation(provider, operation).params
    if param.type in ("string", "text")
]
HUGE = 10**400  # 400 digits: past what a float holds

hostile_numbers = st.one_of(
    st.sampled_from([HUGE, -HUGE, 2**53 + 1, 5e-324, -0.0, 1.7976931348623157e308]),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.floats(),  # NaN, infinities and subnormals included
    st.from_regex(r"-?[0-9]{300,500}(\.[0-9]{1,5})?", fullmatch=True),
    st.sampled_from(["nan", "-Infinity", "inf", "1e400", "1e-400", "-1e999999999", "0x10", " 7 ", "1_000", "١٢"]),
)
hostile_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=10),  # NUL and lone surrogates
    st.sampled_from(["\x00", "a\x00b", "\ud800", "{name}\udfff"]),
)
hostile_values = st.recursive(
    st.none() | st.booleans() | hostile_numbers | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def operations_with_params(draw) -> tuple[str, str, dict]:
    provider, operation = draw(st.sampled_from(OPERATIONS))
    names = [*_param_names(provider, operation), "unknown"]
    params = draw(st.dictionaries(st.sampled_from(names), hostile_values, max_size=len(names)))
    return provider, operation, params


@pytest.mark.parametrize(("provider", "operation", "param"), NUMERIC)
def test_a_400_digit_integer_in_a_parameter_gets_422_naming_it(writer, provider, operation, param):
    payload = {"name": "Gala", "provider": provider, "operation": operation, "params": {param: HUGE}}

    response = writer.post(LIST, payload, format="json")

    body = expect_error(response, 422, "validation_failed")
    assert f"params.{param}" in body["fields"]
    assert not Slot.objects.exists()


@pytest.mark.parametrize(("provider", "operation", "param"), TEXT)
@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b"], ids=["nul", "lone-surrogate"])
def test_text_the_database_cannot_store_gets_422_naming_the_parameter(writer, provider, operation, param, value):
    params = {"prompt": "Pop art", param: value}
    payload = {"name": "Gala", "provider": provider, "operation": operation, "params": params}

    response = writer.post(LIST, json.dumps(payload), content_type="application/json")

    body = expect_error(response, 422, "validation_failed")
    assert f"params.{param}" in body["fields"]
    assert not Slot.objects.exists()


@FUZZ
@given(case=operations_with_params())
def test_the_slot_api_accepts_or_refuses_any_parameter_values_per_field(writer, case):
    provider, operation, params = case
    body = json.dumps({"name": "Fuzz", "provider": provider, "operation": operation, "params": params}, allow_nan=True)

    response = writer.post(LIST, body, content_type="application/json")

    assert response.status_code in (201, 400, 422), response.content
    if response.status_code == 422:
        assert all(key.startswith("params.") for key in response.json()["error"]["fields"])


@FUZZ
@given(case=operations_with_params())
def test_the_slot_service_accepts_or_refuses_any_parameter_values_per_field(case):
    provider, operation, params = case
    try:
        slot, _ = slot_create(name="Fuzz", provider=provider, operation=operation, params=params)
    except ValidationFailed as exc:
        assert exc.fields and all(key.startswith("params.") for key in exc.fields)
        return
    slot.refresh_from_db()
    assert json.dumps(slot.params, allow_nan=False)  # stored values are plain JSON


@pytest.mark.parametrize(("provider", "operation", "param"), NUMERIC)
@pytest.mark.parametrize("value", [str(HUGE), "1e400", "nan", "-" + "9" * 500])
def test_the_admin_form_shows_an_unusable_number_on_its_field(admin_client, provider, operation, param, value):
    valid = {"prompt": "Pop art", "width": "10", "height": "10"}
    params = {name: val for name, val in valid.items() if name in _param_names(provider, operation)}
    data = form_data(provider, operation, **{**params, param: value})

    response = admin_client.post("/admin/slots/slot/add/", data)

    assert response.status_code == 200
    assert f"param_{param}" in form_errors(response)
    assert not Slot.objects.exists()
