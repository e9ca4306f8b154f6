"""A job whose worker process dies, with nobody waiting on it, still ends — by the beat sweep."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest
from django.conf import settings
from django.utils import timezone

from jobs.models import Job, JobStatus
from jobs.queueing import job_enqueue
from jobs.services import job_create
from media.images import image_check
from media.services import media_input_store
from photochanger.celery import app as celery_app
from tests.support import images

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _enqueue_without_a_waiting_booth(slot) -> Job:
    import uuid

    photo = io.BytesIO(images.jpeg())
    received = timezone.now()
    job_id = uuid.uuid4()
    media = media_input_store(
        job_id=job_id,
        upload=photo,
        image=image_check(photo, max_pixels=10**7),
        created_at=received,
        expires_at=received + timezone.timedelta(seconds=settings.T_SYNC_RESPONSE),
    )
    job = job_create(job_id=job_id, slot=slot, input_media=media, received_at=received, metadata={})
    job_enqueue(job=job)
    return job


def _pool_pid(stack, job: Job, timeout: float = 5.0) -> int:
    """The pid of the pool process running the job, once the job is processing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status != JobStatus.PROCESSING:
            time.sleep(0.05)
            continue
        active = celery_app.control.inspect(destination=[stack.worker_name], timeout=0.5).active() or {}
        for task in active.get(stack.worker_name, []):
            if task["id"] == job.celery_task_id:
                return task["worker_pid"]
        time.sleep(0.1)
    raise AssertionError("the job's task never became active")


def test_job_whose_worker_is_killed_ends_failed_timeout_within_deadline_grace_and_a_period(
    live_stack, booth_slot, celery_beat, stored_files
):
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30})
    job = _enqueue_without_a_waiting_booth(slot)

    os.kill(_pool_pid(live_stack, job), signal.SIGKILL)
    job.refresh_from_db()
    assert job.status == JobStatus.PROCESSING

    grace, period = 1.0, 1.0  # STALE_JOB_GRACE_SECONDS and the beat period the live stack runs with
    limit = job.deadline + timezone.timedelta(seconds=grace + period + 1.0)  # + 1 s for the sweep itself
    while timezone.now() < limit and job.status == JobStatus.PROCESSING:
        time.sleep(0.1)
        job.refresh_from_db()
    assert job.status == JobStatus.FAILED_TIMEOUT
    assert job.failure_code in ("stale", "deadline_exceeded")
    assert stored_files("inputs/", settled=True) == []
