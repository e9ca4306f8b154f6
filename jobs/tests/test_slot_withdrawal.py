"""A slot disabled or deleted (``slots.signals.slot_withdrawn``): its pending jobs are cancelled
and a booth waiting on one wakes; jobs already running finish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job, JobStatus
from jobs.services import jobs_cancel_pending_of_slot
from jobs.waiting import job_wait
from slots.models import Slot
from slots.signals import slot_withdrawn
from tests.factories import JobFactory, SlotFactory

pytestmark = pytest.mark.django_db


def test_cancelling_a_slots_pending_jobs_leaves_its_running_jobs_alone():
    slot = SlotFactory()
    pending = JobFactory(status=JobStatus.PENDING, slot=slot)
    processing = JobFactory(status=JobStatus.PROCESSING, slot=slot)

    assert jobs_cancel_pending_of_slot(slot=slot) == 1

    assert Job.objects.get(id=pending.id).status == JobStatus.CANCELLED
    assert Job.objects.get(id=processing.id).status == JobStatus.PROCESSING


def test_a_withdrawn_slot_wakes_the_booth_waiting_on_its_pending_job(django_capture_on_commit_callbacks):
    slot = SlotFactory()
    job = JobFactory(status=JobStatus.PENDING, slot=slot, deadline=timezone.now() + timedelta(seconds=5))

    with django_capture_on_commit_callbacks(execute=True):
        slot_withdrawn.send(sender=Slot, slot=slot)

    assert Job.objects.get(id=job.id).status == JobStatus.CANCELLED
    assert job_wait(job=job) is True  # signalled, not the deadline passing
