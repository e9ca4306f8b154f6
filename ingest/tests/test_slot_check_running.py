"""One check per slot at a time: asking again while a check runs (the admin action clicked twice, a
reloaded page, the canary meanwhile) joins that check instead of sending the sample again."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

import ingest.slot_check
from ingest.models import SlotCheck, SlotCheckKind
from ingest.slot_check import slot_check_start
from jobs.models import Job
from tests.factories import JobFactory, SlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def a_worker_is_alive(monkeypatch):
    monkeypatch.setattr(ingest.slot_check, "workers_alive", lambda: True)


def test_a_second_check_while_one_runs_joins_it_and_sends_no_second_photo():
    slot = SlotFactory()

    first = slot_check_start(slot=slot)
    again = slot_check_start(slot=slot)
    canary = slot_check_start(slot=slot, kind=SlotCheckKind.CANARY)

    assert first.job is not None and first.ok is None
    assert again.id == first.id == canary.id
    assert SlotCheck.objects.filter(slot=slot).count() == 1
    assert Job.objects.filter(slot=slot).count() == 1


def test_once_the_check_finished_the_next_one_starts_afresh():
    slot = SlotFactory()
    first = slot_check_start(slot=slot)
    SlotCheck.objects.filter(id=first.id).update(ok=True, finished_at=timezone.now())

    second = slot_check_start(slot=slot)

    assert second.id != first.id
    assert Job.objects.filter(slot=slot).count() == 2


def test_a_check_left_unfinished_past_its_deadline_does_not_block_the_slot():
    slot = SlotFactory()
    stale = slot_check_start(slot=slot)
    SlotCheck.objects.filter(id=stale.id).update(started_at=timezone.now() - timedelta(hours=1))

    fresh = slot_check_start(slot=slot)

    assert fresh.id != stale.id


def test_checks_of_different_slots_run_side_by_side():
    one, other = SlotFactory(), SlotFactory()

    assert slot_check_start(slot=one).id != slot_check_start(slot=other).id
    assert Job.objects.filter(slot__in=[one, other]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_request_joining_a_check_that_is_still_being_queued_waits_for_its_job():
    slot = SlotFactory()
    starting = SlotCheck.objects.create(
        slot=slot, provider=slot.provider, operation=slot.operation, started_at=timezone.now()
    )
    job = JobFactory(slot=slot)

    def the_first_request_attaches_its_job() -> None:
        time.sleep(0.3)
        SlotCheck.objects.filter(id=starting.id).update(job=job)
        connection.close()

    first = threading.Thread(target=the_first_request_attaches_its_job)
    first.start()
    joined = slot_check_start(slot=slot)
    first.join()

    assert joined.id == starting.id
    assert joined.job_id == job.id
