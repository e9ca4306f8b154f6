"""Property-based: the parameter validators accept or refuse anything, and never crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from providers.gemini import OPERATIONS as GEMINI
from providers.local import OPERATIONS as LOCAL
from providers.schema import ParamsInvalid

OPERATIONS = [*LOCAL.values(), *GEMINI.values()]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(operation=st.sampled_from(OPERATIONS), params=st.dictionaries(st.text(max_size=20), json_values, max_size=6))
def test_validate_returns_clean_params_or_raises_params_invalid(operation, params):
    try:
        cleaned = operation.validate(params)
    except ParamsInvalid as exc:
        assert exc.fields and all(isinstance(m, list) and m for m in exc.fields.values())
        return
    assert set(cleaned) <= {p.name for p in operation.params}
    assert operation.validate(cleaned) == cleaned, "cleaning is idempotent"


@settings(max_examples=200, deadline=None)
@given(operation=st.sampled_from(OPERATIONS), data=st.data())
def test_params_with_their_real_names_and_any_values_never_crash(operation, data):
    params = {p.name: data.draw(json_values) for p in operation.params}
    try:
        operation.validate(params)
    except ParamsInvalid:
        pass
