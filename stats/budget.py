"""A slot's budget caps, enforced before each paid provider call (issue: "budget caps").

- **What counts**: the estimated cost of the slot's booth jobs' provider calls (``ProviderCall``
  rows with ``is_test`` false), plus the room *reserved* for calls that have started and are not
  recorded yet. Test runs and slot checks are paid and shown as test spend, never charged here.
- **Windows**: ``budget_daily`` per UTC day (the day the spend API and the dashboard use: it starts
  at 00:00 UTC whatever TIME_ZONE says) and ``budget_total`` over all time. A live reservation
  counts in both.
- **Reserving** (``budget_reserve``): before a job calls a paid provider, the worker asks for room
  for its calls at the dearest of the models it may use (``call_estimate``). The slot's row is
  locked (``FOR NO KEY UPDATE``: booth jobs that reference the slot are not held up), the caps are
  read under that lock (a raised cap counts from the next call on, nothing is cached), the spend
  and the live reservations are summed, and a reservation row is written only if it fits. Two jobs
  of one slot therefore reserve one after the other, never both into the same room: 50 booths at
  once on a slot with room for 10 calls start at most 10 calls. The cap is kept on estimates: a
  call that costs more than its estimate can take the recorded spend a little over the cap.
- **Settling** (``budget_release``): once a job's calls are recorded, its reservation is deleted
  (spend first, then release: the same money is counted twice for a moment, never zero times). A
  worker that dies in between leaves the row; it stops counting at its ``expires_at``.
- **Alerts**: crossing 80 % of a window's cap and running out each write one JSON log line per
  slot, window and cap (a ``BudgetAlert`` row decides which worker writes it).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.provider_registry import provider_registry
from slots.models import Slot
from stats.models import BudgetAlert, BudgetReservation, ProviderCall
from stats.prices import COST_PLACES, price_for

logger = logging.getLogger(__name__)

WARNING_SHARE = Decimal("0.8")
# Room that is never used up: a free model (cost 0) always fits while the cap is not reached.
UNLIMITED_CALLS = 1_000_000
ZERO = Decimal(0)


def call_estimate(*, models: Sequence[str]) -> Decimal:
    """What one paid call is reserved at: the dearest of ``models`` at BUDGET_CALL_INPUT_TOKENS
    input and BUDGET_CALL_OUTPUT_TOKENS output tokens. A model missing from the price table costs
    0 (as its recorded calls do; the spend API counts them as unpriced)."""
    prices = [price for model in models if (price := price_for(model)) is not None]
    return max(
        (
            price.cost(
                input_tokens=settings.BUDGET_CALL_INPUT_TOKENS,
                output_tokens=settings.BUDGET_CALL_OUTPUT_TOKENS,
                produced=True,
            )
            for price in prices
        ),
        default=ZERO,
    )


@dataclass(frozen=True)
class BudgetWindow:
    """One cap of a slot and what is used of it."""

    name: str  # "daily" or "total"
    key: str  # "day:<UTC date>" or "total": the alert's window
    cap: Decimal
    spent: Decimal
    reserved: Decimal

    @property
    def used(self) -> Decimal:
        return self.spent + self.reserved

    @property
    def share(self) -> Decimal:
        """Spent (recorded) over the cap; 1 for a cap of 0."""
        return self.spent / self.cap if self.cap > 0 else Decimal(1)

    def room_for(self, price: Decimal) -> int:
        """How many calls at ``price`` still fit. Nothing fits once the cap is reached, even free."""
        if self.used >= self.cap:
            return 0
        if price <= 0:
            return UNLIMITED_CALLS
        return int(((self.cap - self.used) / price).to_integral_value(rounding=ROUND_FLOOR))

    def level(self, *, next_call: Decimal = ZERO) -> str:
        """ "exhausted" when a call at ``next_call`` no longer fits (at the latest, once the spend
        reaches the cap), "warning" from 80 % spent, else ""."""
        if self.spent >= self.cap or (next_call > 0 and self.room_for(next_call) == 0):
            return BudgetAlert.Level.EXHAUSTED
        return BudgetAlert.Level.WARNING if self.share >= WARNING_SHARE else ""


def _day_start(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)


def budget_windows(
    *, slot_id: uuid.UUID, budget_daily: Decimal | None, budget_total: Decimal | None, now: datetime
) -> list[BudgetWindow]:
    """The slot's capped windows with their recorded spend and live reservations (two queries)."""
    if budget_daily is None and budget_total is None:
        return []
    day_start = _day_start(now)
    spent = ProviderCall.objects.filter(slot_id=slot_id, is_test=False).aggregate(
        today=Coalesce(Sum("estimated_cost", filter=Q(created_at__gte=day_start)), ZERO),
        total=Coalesce(Sum("estimated_cost"), ZERO),
    )
    reserved = BudgetReservation.objects.filter(slot_id=slot_id, expires_at__gt=now).aggregate(
        amount=Coalesce(Sum("amount"), ZERO)
    )["amount"]
    windows = []
    if budget_daily is not None:
        key = f"day:{day_start.date().isoformat()}"
        windows.append(BudgetWindow("daily", key, budget_daily, spent["today"], reserved))
    if budget_total is not None:
        windows.append(BudgetWindow("total", "total", budget_total, spent["total"], reserved))
    return windows


def budget_reserve(
    *, slot_id: uuid.UUID, job_id: uuid.UUID, price: Decimal, calls: int, expires_at: datetime
) -> int | None:
    """Reserve room for up to ``calls`` calls at ``price`` each; returns how many were reserved
    (fewer when only fewer fit, 0 when none does) or None when the slot has no cap (nothing is
    reserved). The slot's row lock makes concurrent reservations of one slot take turns."""
    now = timezone.now()
    with transaction.atomic():
        caps = (
            Slot.objects.select_for_update(no_key=True)
            .filter(id=slot_id)
            .values_list("budget_daily", "budget_total")
            .first()
        )
        if caps is None or caps == (None, None):
            return None
        windows = budget_windows(slot_id=slot_id, budget_daily=caps[0], budget_total=caps[1], now=now)
        granted = min(calls, *(window.room_for(price) for window in windows))
        if granted > 0:
            BudgetReservation.objects.create(
                slot_id=slot_id,
                job_id=job_id,
                amount=(price * granted).quantize(COST_PLACES),
                calls=granted,
                created_at=now,
                expires_at=expires_at,
            )
    if granted == 0:
        for window in windows:
            if window.room_for(price) == 0:
                _alert_once(slot_id=slot_id, window=window, level=BudgetAlert.Level.EXHAUSTED)
    return granted


def budget_release(*, job_id: uuid.UUID, slot_id: uuid.UUID) -> None:
    """Drop the job's reservation (its calls are recorded now) and tell of a window that crossed
    80 % or ran out with them."""
    BudgetReservation.objects.filter(job_id=job_id).delete()
    caps = Slot.objects.filter(id=slot_id).values_list("budget_daily", "budget_total").first()
    if caps is None:
        return
    for window in budget_windows(slot_id=slot_id, budget_daily=caps[0], budget_total=caps[1], now=timezone.now()):
        level = window.level()
        if level:
            _alert_once(slot_id=slot_id, window=window, level=BudgetAlert.Level.WARNING)
        if level == BudgetAlert.Level.EXHAUSTED:
            _alert_once(slot_id=slot_id, window=window, level=BudgetAlert.Level.EXHAUSTED)


ALERT_MESSAGES: dict[str, str] = {
    BudgetAlert.Level.WARNING: "slot %s has spent %s%% of its %s budget",
    BudgetAlert.Level.EXHAUSTED: "slot %s has no %s budget left (%s%% spent, %s%% held for calls in flight): "
    "booths get its fallback or 402",
}


def _alert_once(*, slot_id: uuid.UUID, window: BudgetWindow, level: str) -> None:
    """One JSON log line per slot, window, level and cap: the first worker to insert the row writes it."""
    try:
        with transaction.atomic():
            BudgetAlert.objects.create(
                slot_id=slot_id, window=window.key, level=level, cap=window.cap, created_at=timezone.now()
            )
    except IntegrityError:
        return  # told already
    percent = int(window.share * 100)
    held = int(window.reserved / window.cap * 100) if window.cap > 0 else 0
    warning = level == BudgetAlert.Level.WARNING
    args = (slot_id, percent, window.name) if warning else (slot_id, window.name, percent, held)
    logger.warning(
        ALERT_MESSAGES[level],
        *args,
        extra={
            "event": f"budget_{level}",
            "slot_id": str(slot_id),
            "window": window.key,
            "cap": str(window.cap),
            "spent": str(window.spent.quantize(COST_PLACES)),
            "reserved": str(window.reserved.quantize(COST_PLACES)),
            "percent": percent,
            "currency": settings.PROVIDER_PRICES_CURRENCY,
        },
    )


@dataclass(frozen=True)
class SlotBudget:
    """What the dashboard shows of one slot's budget."""

    daily: BudgetWindow | None
    total: BudgetWindow | None
    next_call: Decimal  # what the slot's next paid call is reserved at (0: a free provider)

    @property
    def level(self) -> str:
        """The worst level of the two windows: "exhausted" (booths get the fallback or 402),
        "warning" (80 % spent) or ""."""
        levels = {window.level(next_call=self.next_call) for window in (self.daily, self.total) if window}
        return next(
            (level for level in (BudgetAlert.Level.EXHAUSTED, BudgetAlert.Level.WARNING) if level in levels), ""
        )


def budget_by_slot(*, slot_ids: Iterable[uuid.UUID], now: datetime | None = None) -> dict[uuid.UUID, SlotBudget]:
    """The budget state of each of these slots that has a cap (a few queries per capped slot)."""
    now = now or timezone.now()
    budgets: dict[uuid.UUID, SlotBudget] = {}
    capped = Slot.objects.filter(id__in=list(slot_ids)).filter(
        Q(budget_daily__isnull=False) | Q(budget_total__isnull=False)
    )
    for slot in capped.only("id", "provider", "operation", "params", "budget_daily", "budget_total"):
        windows = budget_windows(
            slot_id=slot.id, budget_daily=slot.budget_daily, budget_total=slot.budget_total, now=now
        )
        by_name = {window.name: window for window in windows}
        budgets[slot.id] = SlotBudget(
            daily=by_name.get("daily"), total=by_name.get("total"), next_call=_next_call(slot)
        )
    return budgets


def _next_call(slot: Slot) -> Decimal:
    try:
        paid = provider_registry().provider(slot.provider).paid_calls(slot.operation, slot.params)
    except LookupError:  # a provider removed from PROVIDERS since: its slot makes no call
        return ZERO
    return call_estimate(models=paid.models) if paid is not None else ZERO
