"""Spend per slot over the windows the admin dashboard shows: today, the last 7 days, all time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from stats.models import ProviderCall
from stats.prices import COST_PLACES

WEEK_DAYS = 7


@dataclass(frozen=True)
class SlotSpend:
    """Estimated provider cost of one slot's calls (test runs and checks included: they are paid)."""

    today: Decimal
    week: Decimal
    total: Decimal
    currency: str


def spend_summary_by_slot(*, today: date, slot_ids: list[uuid.UUID] | None = None) -> dict[uuid.UUID, SlotSpend]:
    """One ``SlotSpend`` per slot with any provider call; days are UTC days ending with ``today``
    (the week is ``today`` and the 6 days before it). One grouped query."""
    start_today = datetime.combine(today, time.min, tzinfo=UTC)
    start_week = start_today - timedelta(days=WEEK_DAYS - 1)
    calls = ProviderCall.objects.filter(slot_id__isnull=False)  # calls outside any slot are not a slot's
    if slot_ids is not None:
        calls = calls.filter(slot_id__in=slot_ids)
    zero = Decimal(0)
    grouped = calls.values("slot_id").annotate(
        today=Coalesce(Sum("estimated_cost", filter=Q(created_at__gte=start_today)), zero),
        week=Coalesce(Sum("estimated_cost", filter=Q(created_at__gte=start_week)), zero),
        total=Coalesce(Sum("estimated_cost"), zero),
    )
    currency = settings.PROVIDER_PRICES_CURRENCY
    return {
        row["slot_id"]: SlotSpend(
            today=Decimal(row["today"]).quantize(COST_PLACES),
            week=Decimal(row["week"]).quantize(COST_PLACES),
            total=Decimal(row["total"]).quantize(COST_PLACES),
            currency=currency,
        )
        for row in grouped
        if row["slot_id"] is not None
    }
