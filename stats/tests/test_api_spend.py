"""``GET /api/stats/spend``: provider calls and estimated cost per slot and UTC day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from stats.selectors import spend_by_slot_and_day
from stats.services import provider_call_record
from tests.factories import JobFactory, SlotFactory

pytestmark = pytest.mark.django_db

URL = "/api/stats/spend"
DAY_1 = date(2026, 3, 1)
DAY_2 = date(2026, 3, 2)
USAGE = {"prompt_token_count": 1000, "candidates_token_count": 1290, "total_token_count": 2290}
ONE_IMAGE = Decimal("0.039000")  # 1000 in x 0.0003/1k + 1290 out x 0.03/1k


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _call(slot, day, outcome="ok", usage=USAGE, hour=12):
    job = JobFactory(slot=slot)
    return provider_call_record(
        job=job,
        outcome=outcome,
        model="gemini-2.5-flash-image",
        usage=usage if outcome == "ok" else None,
        duration_s=2.0,
        at=_at(day, hour),
    )


@pytest.fixture
def two_slots():
    wedding = SlotFactory(name="Wedding", provider="gemini", operation="edit", params={"prompt": "x"})
    party = SlotFactory(name="Party", provider="gemini", operation="edit", params={"prompt": "y"})
    _call(wedding, DAY_1)
    _call(wedding, DAY_1, hour=23)
    _call(wedding, DAY_1, outcome="provider_quota")
    _call(wedding, DAY_2, hour=0)
    _call(party, DAY_2)
    return wedding, party


def test_spend_is_shown_per_slot_and_day_with_totals(api_client, two_slots):
    wedding, party = two_slots

    response = api_client("stats:read").get(URL, {"from": "2026-03-01", "to": "2026-03-02"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"], body["currency"]) == ("2026-03-01", "2026-03-02", "USD")
    keys = ("day", "slot_name", "calls", "errors", "output_tokens", "estimated_cost")
    rows = [tuple(row[key] for key in keys) for row in body["days"]]
    assert rows == [
        ("2026-03-01", "Wedding", 3, 1, 2580, "0.078000"),
        ("2026-03-02", "Party", 1, 0, 1290, "0.039000"),
        ("2026-03-02", "Wedding", 1, 0, 1290, "0.039000"),
    ]
    assert [(s["slot_id"], s["calls"], s["estimated_cost"]) for s in body["slots"]] == [
        (str(wedding.id), 4, "0.117000"),
        (str(party.id), 1, "0.039000"),
    ]
    assert body["total"]["calls"] == 5 and body["total"]["errors"] == 1
    assert Decimal(body["total"]["estimated_cost"]) == 4 * ONE_IMAGE
    assert body["total"]["input_tokens"] == 4000 and body["total"]["unpriced_calls"] == 0


def test_spend_can_be_narrowed_to_one_slot_and_one_day(api_client, two_slots):
    wedding, _ = two_slots

    body = api_client("stats:read").get(URL, {"from": "2026-03-02", "to": "2026-03-02", "slot": wedding.id}).json()

    assert [(r["day"], r["slot_name"], r["calls"]) for r in body["days"]] == [("2026-03-02", "Wedding", 1)]


def test_days_are_utc_days(two_slots):
    wedding, _ = two_slots

    rows = spend_by_slot_and_day(since=DAY_2, until=DAY_2, slot_id=wedding.id)

    assert [(row.day, row.calls) for row in rows] == [(DAY_2, 1)], "00:00 UTC belongs to the new day"


def test_a_renamed_slot_shows_its_current_name(api_client, two_slots):
    wedding, _ = two_slots
    wedding.name = "Wedding (renamed)"
    wedding.save()

    body = api_client("stats:read").get(URL, {"from": "2026-03-01", "to": "2026-03-01"}).json()

    assert {r["slot_name"] for r in body["days"]} == {"Wedding (renamed)"}


def test_the_default_range_is_the_last_30_days(api_client, clock):
    slot = SlotFactory(name="Today")
    today = clock.now.date()
    _call(slot, today)
    _call(slot, today - timedelta(days=29))
    _call(slot, today - timedelta(days=30))

    body = api_client("stats:read").get(URL).json()

    assert (body["from"], body["to"]) == (str(today - timedelta(days=29)), str(today))
    assert body["total"]["calls"] == 2


def test_no_calls_gives_an_empty_report(api_client):
    body = api_client("stats:read").get(URL, {"slot": uuid.uuid4()}).json()

    assert body["days"] == [] and body["slots"] == []
    assert body["total"]["calls"] == 0 and body["total"]["estimated_cost"] == "0.000000"


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-03-05", "to": "2026-03-01"},
        {"from": "2024-01-01", "to": "2026-01-01"},
        {"from": "yesterday"},
        {"to": "1970-01-01"},
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"slot": "not-a-uuid"},
    ],
)
def test_invalid_queries_get_422(api_client, query):
    response = api_client("stats:read").get(URL, query)

    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_failed"


def test_spend_needs_a_token_with_stats_read(api_client, anon_client):
    assert anon_client.get(URL).status_code == 401
    assert api_client("slots:read").get(URL).status_code == 403
    assert api_client("jobs:read").get(URL).status_code == 403


def test_test_runs_and_checks_are_counted_apart_within_the_spend(api_client):
    slot = SlotFactory(name="Gala")
    _call(slot, DAY_1)
    provider_call_record(
        job=JobFactory(slot=slot, is_test_run=True),  # an admin's test run or a slot check
        outcome="ok",
        model="gemini-2.5-flash-image",
        usage=USAGE,
        duration_s=2.0,
        at=_at(DAY_1),
    )

    body = api_client("stats:read").get(URL, {"from": "2026-03-01", "to": "2026-03-01"}).json()

    [day] = body["days"]
    assert (Decimal(day["estimated_cost"]), Decimal(day["test_estimated_cost"])) == (2 * ONE_IMAGE, ONE_IMAGE)
    assert Decimal(body["total"]["test_estimated_cost"]) == ONE_IMAGE
