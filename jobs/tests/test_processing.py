"""The worker-side service, run in-process: every path ends final and removes the input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import JobStatus, Result
from jobs.processing import job_run
from jobs.services import job_mark_failed_timeout, job_result_store
from media.services import media_delete
from providers.base import ImageData
from slots.models import Slot
from tests.factories import QueuedJobFactory, SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db


def _job_with_input(slot, status=JobStatus.PENDING, **kwargs):
    now = timezone.now()
    return QueuedJobFactory(slot=slot, status=status, created_at=now, deadline=now + timedelta(seconds=30), **kwargs)


def test_a_pending_job_is_processed_to_completed(stored_files):
    job = _job_with_input(SlotFactory(operation="grayscale"))

    assert job_run(job_id=str(job.id)) == JobStatus.COMPLETED

    job.refresh_from_db()
    assert job.result.content_type == "image/jpeg"
    assert job.model == "pillow" and job.attempts == 1
    assert stored_files() == [f"results/{job.id}.jpg"]


def test_a_job_cancelled_while_queued_is_not_run_and_its_input_is_removed(stored_files):
    job = _job_with_input(SlotFactory(), status=JobStatus.CANCELLED)

    assert job_run(job_id=str(job.id)) == JobStatus.CANCELLED

    assert not Result.objects.exists()
    assert stored_files() == []


def test_provider_failure_is_recorded_with_its_code(stored_files):
    job = _job_with_input(SlotFactory(provider="testing", operation="fail", params={"failure": "refused"}))

    assert job_run(job_id=str(job.id)) == JobStatus.FAILED_PROVIDER

    job.refresh_from_db()
    assert job.failure_code == "provider_refused"
    assert stored_files() == []


def test_missing_input_file_fails_the_job_instead_of_crashing(stored_files):
    job = _job_with_input(SlotFactory())
    media_delete(media_id=job.input_media_id)

    assert job_run(job_id=str(job.id)) == JobStatus.FAILED_PROVIDER

    job.refresh_from_db()
    assert job.failure_code == "input_missing"


def test_a_late_provider_answer_is_discarded_and_its_bytes_deleted(stored_files):
    job = _job_with_input(SlotFactory(), status=JobStatus.PROCESSING)
    assert job_mark_failed_timeout(job_id=job.id)

    stored = job_result_store(job=job, image=ImageData(images.jpeg(), "image/jpeg"))

    assert stored is None
    assert not Result.objects.exists()
    assert stored_files("results/") == []


def test_a_job_of_a_slot_disabled_while_it_was_queued_is_cancelled_not_run(stored_files):
    slot = SlotFactory()
    job = _job_with_input(slot)
    Slot.objects.filter(id=slot.id).update(is_active=False)

    assert job_run(job_id=str(job.id)) == JobStatus.CANCELLED

    assert not Result.objects.exists()
    assert stored_files() == []


def test_a_stray_interrupt_while_storing_the_result_does_not_lose_the_job(stored_files, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from jobs import processing

    job = _job_with_input(SlotFactory(operation="grayscale"))
    real_store, calls = processing.job_result_store, []

    def interrupted_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SoftTimeLimitExceeded()  # a revoke aimed at the task this process ran before
        return real_store(**kwargs)

    monkeypatch.setattr(processing, "job_result_store", interrupted_once)

    assert job_run(job_id=str(job.id)) == JobStatus.COMPLETED
    assert stored_files() == [f"results/{job.id}.jpg"]


def test_an_interrupt_during_cleanup_still_removes_the_input(stored_files, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from jobs import processing

    job = _job_with_input(SlotFactory(operation="grayscale"))
    real_release, calls = processing.job_input_release, []

    def interrupted_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SoftTimeLimitExceeded()
        return real_release(**kwargs)

    monkeypatch.setattr(processing, "job_input_release", interrupted_once)

    assert job_run(job_id=str(job.id)) == JobStatus.COMPLETED
    assert stored_files("inputs/") == []
