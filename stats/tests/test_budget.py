"""A slot's budget: reserving room before paid calls, what counts against it, windows and alerts."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stats.budget import budget_by_slot, budget_release, budget_reserve, call_estimate
from stats.models import BudgetReservation
from stats.services import provider_call_record
from tests.factories import JobFactory, SlotFactory

pytestmark = pytest.mark.django_db

PRICE = Decimal("1.000000")
# 1 output token of this model costs exactly 1 (the table's prices are per 1000 tokens).
ONE_PER_TOKEN = {"input_per_1k_tokens": 0, "output_per_1k_tokens": 1000, "per_call": 0}


def _reserve(slot, *, calls: int = 1, price: Decimal = PRICE, job_id: uuid.UUID | None = None) -> int | None:
    return budget_reserve(
        slot_id=slot.id,
        job_id=job_id or uuid.uuid4(),
        price=price,
        calls=calls,
        expires_at=timezone.now() + timedelta(minutes=1),
    )


def _spend(slot, amount: int, *, test_run: bool = False, at: datetime | None = None) -> None:
    """A recorded call of ``slot`` costing ``amount`` (the test model costs 1 per output token)."""
    provider_call_record(
        job=JobFactory(slot=slot, is_test_run=test_run),
        outcome="ok",
        model="budget-test-model",
        usage={"output_tokens": amount},
        duration_s=1.0,
        at=at,
    )


@pytest.fixture(autouse=True)
def _priced_test_model(settings):
    settings.PROVIDER_PRICES = {"budget-test-model": ONE_PER_TOKEN}


def test_a_slot_without_a_cap_reserves_nothing():
    slot = SlotFactory()

    assert _reserve(slot) is None
    assert not BudgetReservation.objects.exists()


def test_calls_are_reserved_while_they_fit_and_refused_after():
    slot = SlotFactory(budget_total=Decimal(3))

    granted = [_reserve(slot) for _ in range(4)]

    assert granted == [1, 1, 1, 0]
    assert BudgetReservation.objects.filter(slot_id=slot.id).count() == 3


def test_a_hedged_job_gets_its_two_calls_or_the_one_that_still_fits():
    slot = SlotFactory(budget_daily=Decimal(3))

    assert _reserve(slot, calls=2) == 2
    assert _reserve(slot, calls=2) == 1
    assert _reserve(slot, calls=2) == 0


def test_recorded_booth_spend_counts_and_test_runs_and_checks_do_not():
    slot = SlotFactory(budget_total=Decimal(10))
    _spend(slot, 8)
    _spend(slot, 5, test_run=True)  # an admin's test run or a slot check: test spend

    assert _reserve(slot) == 1
    assert _reserve(slot) == 1
    assert _reserve(slot) == 0


def test_the_daily_cap_counts_the_utc_day_and_the_total_cap_every_day():
    slot = SlotFactory(budget_daily=Decimal(2), budget_total=Decimal(5))
    midnight = datetime.combine(timezone.now().astimezone(UTC).date(), datetime.min.time(), tzinfo=UTC)
    _spend(slot, 2, at=midnight - timedelta(seconds=1))  # 23:59:59 UTC yesterday
    _spend(slot, 2, at=midnight - timedelta(days=3))

    assert _reserve(slot) == 1, "yesterday's spend is not today's"
    assert _reserve(slot) == 0, "the total cap (4 spent + 1 reserved of 5) is reached"


def test_a_released_reservation_gives_its_room_back_and_an_expired_one_stops_counting():
    slot = SlotFactory(budget_total=Decimal(1))
    job_id = uuid.uuid4()
    assert _reserve(slot, job_id=job_id) == 1
    assert _reserve(slot) == 0

    budget_release(job_id=job_id, slot_id=slot.id)
    assert _reserve(slot) == 1

    BudgetReservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # its worker died
    assert _reserve(slot) == 1


def test_spend_is_recorded_before_the_reservation_is_released_so_it_is_never_counted_zero_times():
    slot = SlotFactory(budget_total=Decimal(1))
    job = JobFactory(slot=slot)
    assert _reserve(slot, job_id=job.id) == 1
    provider_call_record(job=job, outcome="ok", model="budget-test-model", usage={"output_tokens": 1}, duration_s=1)

    assert _reserve(slot) == 0, "the recorded call and its reservation both count until the release"
    budget_release(job_id=job.id, slot_id=slot.id)
    assert _reserve(slot) == 0, "the recorded call alone fills the cap"


def test_raising_the_cap_takes_effect_at_the_next_call():
    slot = SlotFactory(budget_daily=Decimal(1))
    _spend(slot, 1)
    assert _reserve(slot) == 0

    type(slot).objects.filter(id=slot.id).update(budget_daily=Decimal(2))

    assert _reserve(slot) == 1


def test_a_cap_of_zero_allows_no_call_even_of_an_unpriced_model():
    slot = SlotFactory(budget_total=Decimal(0))

    assert _reserve(slot, price=Decimal(0)) == 0


def test_a_call_is_reserved_at_the_dearest_of_its_models_at_the_configured_tokens(settings):
    settings.BUDGET_CALL_INPUT_TOKENS, settings.BUDGET_CALL_OUTPUT_TOKENS = 1000, 2000
    settings.PROVIDER_PRICES = {
        "cheap": {"input_per_1k_tokens": 0.001, "output_per_1k_tokens": 0.01, "per_call": 0},
        "dear": {"input_per_1k_tokens": 0.002, "output_per_1k_tokens": 0.1, "per_call": 0.5},
    }

    assert call_estimate(models=["cheap"]) == Decimal("0.021")
    assert call_estimate(models=["cheap", "dear", "not-in-the-table"]) == Decimal("0.702")
    assert call_estimate(models=["not-in-the-table"]) == 0


def _budget_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if getattr(record, "event", "").startswith("budget_")]


def test_crossing_80_percent_is_logged_once_per_window_and_cap(caplog):
    slot = SlotFactory(budget_daily=Decimal(10), budget_total=Decimal(100))
    _spend(slot, 7)
    budget_release(job_id=uuid.uuid4(), slot_id=slot.id)
    assert _budget_lines(caplog) == []

    _spend(slot, 1)
    budget_release(job_id=uuid.uuid4(), slot_id=slot.id)
    _spend(slot, 1)
    budget_release(job_id=uuid.uuid4(), slot_id=slot.id)

    [line] = _budget_lines(caplog)
    assert line.levelname == "WARNING"
    assert (line.event, line.slot_id, line.percent, line.cap) == ("budget_warning", str(slot.id), 80, "10.0000")
    assert line.window.startswith("day:")
    assert line.getMessage() == f"slot {slot.id} has spent 80% of its daily budget"

    type(slot).objects.filter(id=slot.id).update(budget_daily=Decimal(11))  # a raised cap is a new cap
    budget_release(job_id=uuid.uuid4(), slot_id=slot.id)
    assert [line.cap for line in _budget_lines(caplog)] == ["10.0000", "11.0000"]


def test_running_out_is_logged_once_however_many_calls_are_refused(caplog):
    slot = SlotFactory(budget_total=Decimal(1))
    _spend(slot, 1)

    assert [_reserve(slot) for _ in range(3)] == [0, 0, 0]

    [line] = [line for line in _budget_lines(caplog) if line.event == "budget_exhausted"]
    assert (line.window, line.slot_id, line.spent) == ("total", str(slot.id), "1.000000")
    assert "booths get its fallback or 402" in line.getMessage()


def test_the_dashboard_state_says_spent_against_each_cap_and_the_worst_level():
    ok, warned, spent, uncapped = (
        SlotFactory(budget_daily=Decimal(10)),
        SlotFactory(budget_daily=Decimal(10), budget_total=Decimal(100)),
        SlotFactory(budget_total=Decimal(2)),
        SlotFactory(),
    )
    _spend(ok, 1)
    _spend(warned, 9)
    _spend(spent, 2)

    budgets = budget_by_slot(slot_ids=[ok.id, warned.id, spent.id, uncapped.id])

    assert uncapped.id not in budgets
    assert (budgets[ok.id].daily.spent, budgets[ok.id].total, budgets[ok.id].level) == (1, None, "")
    assert budgets[warned.id].level == "warning"
    assert budgets[warned.id].total.spent == 9
    assert budgets[spent.id].level == "exhausted"
