"""A slot's budget cap through real HTTP, gunicorn, a Celery prefork worker, PostgreSQL and the
stand-in Gemini server: the cap holds when booths arrive all at once, a used-up slot answers with
its fallback print or 402 within the booth's request, and a raised cap works at once."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db.models import Sum

from jobs.models import Job
from slots.models import Slot
from stats.budget import call_estimate
from stats.models import BudgetReservation, ProviderCall
from tests.support import images
from tests.support.booth import booth_post
from tests.support.stack import ARTIFACTS, start_stack

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]

BOOTHS = 50
ROOM = 10
FLASH = "gemini-2.5-flash-image"
# What the stand-in reports for one photo (tests/support/gemini_stub.py): a call is reserved at
# exactly what it is then recorded at, so "room for 10 calls" is room for 10, not for more.
STUB_CALL_TOKENS = {"BUDGET_CALL_INPUT_TOKENS": "268", "BUDGET_CALL_OUTPUT_TOKENS": "1290"}


@pytest.fixture(scope="module")
def burst_stack(stack_env):
    """Its own web and worker on a queue of their own, with a booth wait long enough for 50 uploads
    at once on a shared 2-core machine (the suite's 2 s is shorter than accepting them takes here):
    no booth should run out of time, so the count of paid calls is exact."""
    env = {**stack_env, **STUB_CALL_TOKENS, "CELERY_QUEUE": f"budget-{uuid.uuid4().hex[:8]}", "T_SYNC_RESPONSE": "20"}
    stack = start_stack(env, "budget")
    yield stack
    stack.stop()


def _post(stack, slot, photo: bytes):
    return booth_post(f"{stack.base_url}/ingest/{slot.id}", photo=photo, password=slot.secret)


def _gemini_slot(booth_slot, **fields) -> Slot:
    return booth_slot(provider="gemini", operation="edit", params={"prompt": "Make it pop", "model": FLASH}, **fields)


def _budget_log_events(log: str) -> list[dict]:
    lines = (ARTIFACTS / log).read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{") and '"event": "budget_' in line]


def _settled(slot: Slot, timeout: float = 10.0) -> None:
    """Every job of the slot final and its reservation given back (the worker releases after recording)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = Job.objects.filter(slot=slot, finished_at__isnull=True).exists()
        if not active and not BudgetReservation.objects.filter(slot_id=slot.id).exists():
            return
        time.sleep(0.1)


def test_fifty_booths_at_once_on_room_for_ten_calls_start_exactly_ten_calls(burst_stack, booth_slot, gemini, settings):
    settings.BUDGET_CALL_INPUT_TOKENS, settings.BUDGET_CALL_OUTPUT_TOKENS = 268, 1290
    budget = call_estimate(models=[FLASH]) * ROOM
    slot = _gemini_slot(booth_slot, budget_total=budget, on_failure="original")
    photos = [images.jpeg(320 + n, 240) for n in range(BOOTHS)]  # distinct photos: no booth resend

    with ThreadPoolExecutor(BOOTHS) as pool:
        responses = list(pool.map(lambda photo: _post(burst_stack, slot, photo), photos))

    _settled(slot)
    assert [r.status for r in responses] == [200] * BOOTHS, [r.body[:200] for r in responses if r.status != 200]
    processed = [r for r in responses if "x-photochanger-fallback" not in r.headers]
    fallbacks = [r.headers["x-photochanger-fallback"] for r in responses if r not in processed]
    assert len(gemini.requests) == ROOM
    assert len(processed) == ROOM, "every paid call printed; no other booth got a processed photo"
    assert fallbacks == ["budget_exhausted"] * (BOOTHS - ROOM)
    spent = ProviderCall.objects.filter(slot_id=slot.id).aggregate(total=Sum("estimated_cost"))["total"]
    assert spent == budget, "the ten calls cost what was reserved for them"
    assert Job.objects.filter(slot=slot, failure_code="budget_exhausted", attempts=0).count() == BOOTHS - ROOM
    events = [event["event"] for event in _budget_log_events("budget-worker.log") if event["slot_id"] == str(slot.id)]
    assert sorted(events) == ["budget_exhausted", "budget_warning"], "one line each, whichever of 4 processes saw it"


def test_a_used_up_slot_without_a_fallback_answers_402_and_a_raised_cap_works_at_once(live_stack, booth_slot, gemini):
    slot = _gemini_slot(booth_slot, budget_daily=Decimal(0))

    refused = _post(live_stack, slot, images.jpeg(330, 240))

    assert refused.status == 402, refused.body[:300]
    error = refused.json()["error"]
    assert error["code"] == "budget_exhausted"
    assert "budget for AI processing is used up" in error["message"]
    assert "retry-after" not in refused.headers
    assert gemini.requests == []

    Slot.objects.filter(id=slot.id).update(budget_daily=Decimal(1))
    processed = _post(live_stack, slot, images.jpeg(331, 240))

    assert processed.status == 200, processed.body[:300]
    assert "x-photochanger-fallback" not in processed.headers
    assert len(gemini.requests) == 1
