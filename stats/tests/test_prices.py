from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from stats.prices import DEFAULT_PRICES, price_for, price_table
from stats.usage import usage_tokens


def test_default_gemini_price_gives_the_list_price_of_one_image():
    price = price_for("gemini-2.5-flash-image")
    # 1290 output tokens = one 1024px image: $0.0387; 268 input tokens (prompt + photo): $0.0000804
    assert price.cost(input_tokens=268, output_tokens=1290, produced=True) == Decimal("0.038780")


def test_a_models_prefix_names_the_same_model():
    assert price_for("models/gemini-2.5-flash-image") == price_for("gemini-2.5-flash-image")


def test_a_model_missing_from_the_table_has_no_price():
    assert price_for("some-new-model") is None


def test_configured_prices_override_and_extend_the_defaults(settings):
    settings.PROVIDER_PRICES = {
        "gemini-2.5-flash-image": {"per_call": "0.04"},
        "imagen-x": {"per_call": 0.02, "input_per_1k_tokens": 0.001},
    }
    assert price_for("gemini-2.5-flash-image").cost(input_tokens=1000, output_tokens=1000, produced=True) == Decimal(
        "0.040000"
    )
    assert price_for("imagen-x").cost(input_tokens=2000, output_tokens=None, produced=False) == Decimal("0.002000")
    assert set(DEFAULT_PRICES) < set(price_table())


def test_per_call_price_is_charged_only_when_the_call_produced_a_result(settings):
    settings.PROVIDER_PRICES = {"imagen-x": {"per_call": 0.02}}
    assert price_for("imagen-x").cost(input_tokens=None, output_tokens=None, produced=False) == 0
    assert price_for("imagen-x").cost(input_tokens=None, output_tokens=None, produced=True) == Decimal("0.02")


@pytest.mark.parametrize(
    "table",
    [
        ["not", "an", "object"],
        {"m": 3},
        {"m": {"per_image": 1}},
        {"m": {"per_call": -1}},
        {"m": {"per_call": "cheap"}},
        {"m": {"per_call": True}},
        {"m": {"per_call": "NaN"}},
    ],
)
def test_an_invalid_price_table_is_refused_at_start_up(settings, table):
    settings.PROVIDER_PRICES = table
    with pytest.raises(ImproperlyConfigured):
        price_table()


def test_gemini_usage_counts_thinking_as_output():
    usage = {"prompt_token_count": 268, "candidates_token_count": 1290, "thoughts_token_count": 100}
    tokens = usage_tokens({**usage, "total_token_count": 1658})
    assert (tokens.input, tokens.output, tokens.total) == (268, 1390, 1658)


def test_camel_case_and_generic_usage_keys_are_understood():
    assert usage_tokens({"promptTokenCount": 5, "candidatesTokenCount": 7}).total == 12
    assert usage_tokens({"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}).output == 2


def test_missing_or_nonsense_usage_gives_no_token_counts():
    assert usage_tokens(None).input is None
    assert usage_tokens({"prompt_token_count": "many", "candidates_token_count": -3}).total is None
