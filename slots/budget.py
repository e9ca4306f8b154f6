"""A slot's budget caps: ``budget_daily`` (per UTC day) and ``budget_total`` (all time), amounts in
PROVIDER_PRICES_CURRENCY, empty for no cap. Checked here for the API, the admin form and
``slot_create`` alike; enforced by ``stats.budget`` before each paid provider call."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed

BUDGET_FIELDS = ("budget_daily", "budget_total")
# As stored (slots.models.Slot): 12 digits, 4 after the point.
BUDGET_PLACES = Decimal("0.0001")
BUDGET_MAX = Decimal("99999999.9999")


def _amount(raw: Any) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        raise ValueError
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite():
        raise ValueError
    return value


def slot_budget_validate(*, budget_daily: Any, budget_total: Any) -> tuple[Decimal | None, Decimal | None]:
    """The caps cleaned (None: no cap). Raises ``ValidationFailed`` naming the field and the bounds."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Decimal | None] = {}
    for name, raw in (("budget_daily", budget_daily), ("budget_total", budget_total)):
        try:
            value = _amount(raw)
        except ValueError:
            errors[name] = [str(_("Must be an amount of money such as 25 or 12.50, or empty for no cap."))]
            continue
        if value is not None and not Decimal(0) <= value <= BUDGET_MAX:
            errors[name] = [str(_("Must be between 0 and %(max)s, or empty for no cap.") % {"max": BUDGET_MAX})]
            continue
        if value is not None and value != value.quantize(BUDGET_PLACES):
            errors[name] = [str(_("Use at most 4 digits after the decimal point."))]
            continue
        cleaned[name] = value
    if errors:
        raise ValidationFailed(errors)
    return cleaned["budget_daily"], cleaned["budget_total"]
