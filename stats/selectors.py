"""Spend reads: per slot and day for the API and the admin dashboard."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from slots.models import Slot
from stats.models import ProviderCall
from stats.prices import COST_PLACES


@dataclass
class SpendRow:
    """Provider calls of one slot (on one day, or over a whole range when ``day`` is None)."""

    slot_id: uuid.UUID | None
    slot_name: str
    day: date | None = None
    calls: int = 0
    errors: int = 0
    unpriced_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    estimated_cost: Decimal = field(default_factory=lambda: Decimal("0.000000"))
    # Of ``estimated_cost``: test runs and slot checks, never charged against a slot's budget.
    test_estimated_cost: Decimal = field(default_factory=lambda: Decimal("0.000000"))

    def add(self, other: SpendRow) -> None:
        for name in ("calls", "errors", "unpriced_calls", "input_tokens", "output_tokens", "total_tokens"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.estimated_cost += other.estimated_cost
        self.test_estimated_cost += other.test_estimated_cost


@dataclass
class SpendReport:
    since: date
    until: date
    currency: str
    days: list[SpendRow]
    slots: list[SpendRow]
    total: SpendRow


def _bounds(since: date, until: date) -> Q:
    start = datetime.combine(since, time.min, tzinfo=UTC)
    end = datetime.combine(until, time.min, tzinfo=UTC) + timedelta(days=1)
    return Q(created_at__gte=start, created_at__lt=end)


def spend_by_slot_and_day(*, since: date, until: date, slot_id: uuid.UUID | None = None) -> list[SpendRow]:
    """One row per (UTC day, slot) with provider calls in ``[since, until]``, oldest day first.

    For the admin dashboard too: ``spend_by_slot_and_day(since=today - 6 days, until=today)``.
    Slot names are the current ones; a deleted slot keeps the name it had when it was billed.
    """
    calls = ProviderCall.objects.filter(_bounds(since, until))
    if slot_id is not None:
        calls = calls.filter(slot_id=slot_id)
    grouped = (
        calls.annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day", "slot_id")
        .annotate(
            n_calls=Count("id"),
            n_errors=Count("id", filter=~Q(outcome=ProviderCall.Outcome.OK)),
            n_unpriced=Count("id", filter=Q(priced=False)),
            sum_input=Coalesce(Sum("input_tokens"), 0),
            sum_output=Coalesce(Sum("output_tokens"), 0),
            sum_total=Coalesce(Sum("total_tokens"), 0),
            sum_cost=Coalesce(Sum("estimated_cost"), Decimal(0)),
            sum_test_cost=Coalesce(Sum("estimated_cost", filter=Q(is_test=True)), Decimal(0)),
            last_name=Max("slot_name"),
        )
        .order_by("day", "slot_id")
    )
    rows = [
        SpendRow(
            day=values["day"],
            slot_id=values["slot_id"],
            slot_name=values["last_name"] or "",
            calls=values["n_calls"],
            errors=values["n_errors"],
            unpriced_calls=values["n_unpriced"],
            input_tokens=values["sum_input"],
            output_tokens=values["sum_output"],
            total_tokens=values["sum_total"],
            estimated_cost=Decimal(values["sum_cost"]).quantize(COST_PLACES),
            test_estimated_cost=Decimal(values["sum_test_cost"]).quantize(COST_PLACES),
        )
        for values in grouped
    ]
    names: dict[uuid.UUID | None, str] = dict(
        Slot.objects.filter(id__in={row.slot_id for row in rows if row.slot_id}).values_list("id", "name")
    )
    for row in rows:
        row.slot_name = names.get(row.slot_id, row.slot_name)
    rows.sort(key=lambda row: (row.day, row.slot_name, str(row.slot_id)))
    return rows


def spend_report(*, since: date, until: date, slot_id: uuid.UUID | None = None) -> SpendReport:
    """Per slot per day, per slot over the range, and the total (what ``GET /api/stats/spend`` shows)."""
    days = spend_by_slot_and_day(since=since, until=until, slot_id=slot_id)
    per_slot: dict[uuid.UUID | None, SpendRow] = {}
    total = SpendRow(slot_id=None, slot_name="")
    for row in days:
        slot_total = per_slot.setdefault(row.slot_id, SpendRow(slot_id=row.slot_id, slot_name=row.slot_name))
        slot_total.add(row)
        total.add(row)
    slots = sorted(per_slot.values(), key=lambda row: row.estimated_cost, reverse=True)
    return SpendReport(
        since=since,
        until=until,
        currency=settings.PROVIDER_PRICES_CURRENCY,
        days=days,
        slots=slots,
        total=total,
    )
