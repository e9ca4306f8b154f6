"""The provider price table: what one call costs, estimated from the usage the provider reports.

``PROVIDER_PRICES`` (JSON) overrides or extends ``DEFAULT_PRICES`` per model name:
``{"<model>": {"input_per_1k_tokens": 0.0003, "output_per_1k_tokens": 0.03, "per_call": 0}}``.
Prices are in ``PROVIDER_PRICES_CURRENCY`` (USD by default). ``per_call`` is charged for each call
that returned a result; token prices apply to the tokens the provider reported (a hedged call
abandoned after the other one answered is charged the winner's tokens: the provider may finish
and bill it after the connection closed). A model missing
from the table costs 0 and its calls are counted as *unpriced*, so the gap shows in the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

COST_PLACES = Decimal("0.000001")
PRICE_FIELDS = ("input_per_1k_tokens", "output_per_1k_tokens", "per_call")

# Google's list prices for Gemini 2.5 Flash Image (USD): $0.30 per 1M input tokens (text and
# image), $30 per 1M output tokens (one 1024px image is 1290 tokens, about $0.039).
GEMINI_FLASH_IMAGE = {"input_per_1k_tokens": 0.0003, "output_per_1k_tokens": 0.03, "per_call": 0}
# Gemini 3 Pro Image ("Nano Banana Pro"): $2 per 1M input tokens, $120 per 1M output image tokens
# (a 1K or 2K image is 1120 tokens, about $0.134; a 4K one 2000 tokens, about $0.24).
GEMINI_3_PRO_IMAGE = {"input_per_1k_tokens": 0.002, "output_per_1k_tokens": 0.12, "per_call": 0}
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "gemini-2.5-flash-image": GEMINI_FLASH_IMAGE,
    "gemini-2.5-flash-image-preview": GEMINI_FLASH_IMAGE,
    "gemini-3-pro-image-preview": GEMINI_3_PRO_IMAGE,
    # The local Pillow provider runs on our own workers.
    "pillow": {"input_per_1k_tokens": 0, "output_per_1k_tokens": 0, "per_call": 0},
}


@dataclass(frozen=True)
class Price:
    input_per_1k_tokens: Decimal = Decimal(0)
    output_per_1k_tokens: Decimal = Decimal(0)
    per_call: Decimal = Decimal(0)

    def cost(self, *, input_tokens: int | None, output_tokens: int | None, produced: bool) -> Decimal:
        total = (
            self.input_per_1k_tokens * (input_tokens or 0) / 1000
            + self.output_per_1k_tokens * (output_tokens or 0) / 1000
            + (self.per_call if produced else Decimal(0))
        )
        return total.quantize(COST_PLACES)


def _price(model: str, entry: Any) -> Price:
    if not isinstance(entry, Mapping):
        raise ImproperlyConfigured(f"PROVIDER_PRICES[{model!r}] must be an object of prices.")
    unknown = set(entry) - set(PRICE_FIELDS)
    if unknown:
        raise ImproperlyConfigured(
            f"PROVIDER_PRICES[{model!r}] has unknown keys {sorted(unknown)}; allowed: {', '.join(PRICE_FIELDS)}."
        )
    values: dict[str, Decimal] = {}
    for name in PRICE_FIELDS:
        raw = entry.get(name, 0)
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise ImproperlyConfigured(f"PROVIDER_PRICES[{model!r}][{name!r}] must be a number.")
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            raise ImproperlyConfigured(f"PROVIDER_PRICES[{model!r}][{name!r}] must be a number.") from None
        if not value.is_finite() or value < 0:
            raise ImproperlyConfigured(f"PROVIDER_PRICES[{model!r}][{name!r}] must be a number >= 0.")
        values[name] = value
    return Price(**values)


@lru_cache(maxsize=1)
def price_table() -> dict[str, Price]:
    configured = getattr(settings, "PROVIDER_PRICES", {}) or {}
    if not isinstance(configured, Mapping):
        raise ImproperlyConfigured("PROVIDER_PRICES must be a JSON object keyed by model name.")
    merged = {**DEFAULT_PRICES, **configured}
    return {str(model): _price(str(model), entry) for model, entry in merged.items()}


def price_for(model: str) -> Price | None:
    """The model's price; ``models/x`` and ``x`` are the same model. None when the table lacks it."""
    table = price_table()
    return table.get(model) or table.get(model.removeprefix("models/"))


def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting == "PROVIDER_PRICES":
        price_table.cache_clear()


setting_changed.connect(_reset)
