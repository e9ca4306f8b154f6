"""Canary checks: Celery beat → the canary task on a real worker → the sample portrait through
each canary slot's pipeline → the outcome recorded, and one JSON log line per failed check."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from ingest.models import SlotCheck, SlotCheckKind
from ingest.slot_check import canary_checks_start
from tests.support.gemini_stub import error
from tests.support.stack import ARTIFACTS, BIN, ROOT, start_stack, stop_process, wait_for

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def canary_stack(stack_env):
    """A worker of its own queue (so the live stack's worker never takes its tasks) and beat, with
    an event window around now and a canary period of 3 s."""
    now = timezone.now()
    window = f"{(now - timedelta(hours=1)).isoformat()}/{(now + timedelta(hours=1)).isoformat()}"
    queue = f"canary-{uuid.uuid4().hex[:8]}"
    env = {**stack_env, "CELERY_QUEUE": queue, "CANARY_WINDOW": window, "CANARY_PERIOD_MINUTES": "0.05"}
    stack = start_stack(env, "canary")
    beat = subprocess.Popen(
        [str(BIN / "celery"), "-A", "photochanger", "beat", "-l", "INFO", "-s", str(ARTIFACTS / f"beat-{queue}")],
        env=env,
        cwd=ROOT,
        stdout=(ARTIFACTS / "canary-beat.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        yield stack
    finally:
        stop_process(beat)
        stack.stop()
        redis.Redis.from_url(settings.REDIS_URL).delete(queue)


def _canary_lines() -> list[dict]:
    lines = []
    for raw in (ARTIFACTS / "canary-worker.log").read_text().splitlines():
        if raw.startswith("{"):
            record = json.loads(raw)
            if record.get("msg", "").startswith("canary check failed"):
                lines.append(record)
    return lines


def test_beat_checks_canary_slots_and_logs_each_failure_once_at_warning(canary_stack, booth_slot, gemini):
    gemini.default = error(429, "Resource has been exhausted (e.g. check quota).")
    healthy = booth_slot(name="Canary sepia", canary=True)
    failing = booth_slot(
        name="Canary pirate", provider="gemini", operation="edit", params={"prompt": "pirate"}, canary=True
    )
    quiet = booth_slot(name="Not a canary")

    def both_checked() -> bool:
        finished = SlotCheck.objects.filter(kind=SlotCheckKind.CANARY, ok__isnull=False)
        return {healthy.id, failing.id} <= set(finished.values_list("slot_id", flat=True))

    wait_for(both_checked, "the first canary checks", timeout=40)
    time.sleep(1)  # the worker writes its log line after recording the check

    assert SlotCheck.objects.filter(slot=healthy, ok=True, kind=SlotCheckKind.CANARY).exists()
    failed = SlotCheck.objects.filter(slot=failing, ok=False, kind=SlotCheckKind.CANARY)
    assert {check.reason_code for check in failed} == {"quota"}
    assert not SlotCheck.objects.filter(slot=quiet).exists()
    lines = _canary_lines()
    assert lines, "no canary warning was logged"
    for line in lines:
        assert line["level"] == "WARNING"
        assert (line["slot_id"], line["slot_name"], line["reason_code"]) == (str(failing.id), "Canary pirate", "quota")
        assert line["fix"]
    # One line per failed check, no more.
    logged = [line["check_id"] for line in lines]
    assert len(logged) == len(set(logged))
    assert set(logged) <= {str(check.id) for check in SlotCheck.objects.filter(slot=failing, ok=False)}


@pytest.mark.django_db
def test_no_canary_check_starts_outside_the_event_window(booth_slot):
    booth_slot(canary=True)
    now = timezone.now()

    with override_settings(CANARY_WINDOW=(now + timedelta(hours=1), now + timedelta(hours=2))):
        assert canary_checks_start(now=now) == []
    with override_settings(CANARY_WINDOW=None):
        assert canary_checks_start(now=now) == []
    assert not SlotCheck.objects.exists()
