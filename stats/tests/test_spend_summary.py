"""Spend per slot for the dashboard: today, the last 7 days and all time, with the currency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from stats.services import provider_call_record
from stats.spend_summary import spend_summary_by_slot
from tests.factories import JobFactory, SlotFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 30)
USAGE = {"prompt_token_count": 1000, "candidates_token_count": 1290, "total_token_count": 2290}
ONE_IMAGE = Decimal("0.039000")  # the test price table: 1000 in x 0.0003/1k + 1290 out x 0.03/1k


def _call(slot, day: date, *, hour: int = 12) -> None:
    provider_call_record(
        job=JobFactory(slot=slot),
        outcome="ok",
        model="gemini-2.5-flash-image",
        usage=USAGE,
        duration_s=1.0,
        at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
    )


def test_spend_is_summed_per_slot_over_today_the_week_and_all_time(settings):
    wedding, prom, quiet = SlotFactory(name="Wedding"), SlotFactory(name="Prom"), SlotFactory(name="Quiet")
    _call(wedding, TODAY, hour=0)  # today's first minute counts as today
    _call(wedding, TODAY - timedelta(days=1), hour=23)
    _call(wedding, TODAY - timedelta(days=6))  # the 7th day back is still in the week
    _call(wedding, TODAY - timedelta(days=7))  # the 8th is not
    _call(prom, TODAY - timedelta(days=30))

    spend = spend_summary_by_slot(today=TODAY)

    assert spend[wedding.id].today == ONE_IMAGE
    assert spend[wedding.id].week == 3 * ONE_IMAGE
    assert spend[wedding.id].total == 4 * ONE_IMAGE
    assert (spend[prom.id].today, spend[prom.id].week, spend[prom.id].total) == (0, 0, ONE_IMAGE)
    assert spend[wedding.id].currency == settings.PROVIDER_PRICES_CURRENCY
    assert quiet.id not in spend, "a slot without calls has no row"


def test_spend_can_be_narrowed_to_the_slots_shown():
    wedding, prom = SlotFactory(), SlotFactory()
    _call(wedding, TODAY)
    _call(prom, TODAY)

    assert set(spend_summary_by_slot(today=TODAY, slot_ids=[prom.id])) == {prom.id}
