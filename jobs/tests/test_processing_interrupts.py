"""A revoke's interrupt can land anywhere in the task, also before the provider call starts: a
stray one (meant for the task this process ran before) never ends a live job, and one meant for
this job leaves it final with its input removed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db.models.query import QuerySet
from django.utils import timezone

from jobs import processing
from jobs.models import JobStatus
from jobs.processing import job_run
from jobs.services import job_mark_cancelled
from tests.factories import QueuedJobFactory, SlotFactory, TemplateMediaFactory

pytestmark = pytest.mark.django_db


def _job(slot=None, *, seconds_left: float = 30, **kwargs):
    now = timezone.now()
    return QueuedJobFactory(
        slot=slot or SlotFactory(operation="grayscale"),
        created_at=now - timedelta(seconds=60),
        deadline=now + timedelta(seconds=seconds_left),
        **kwargs,
    )


def _interrupted_once(real, *, before: bool, then=None):
    """``real``, with one interrupt on its first call: before it runs, or after it returned."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            return real(*args, **kwargs)
        if before:
            raise SoftTimeLimitExceeded()
        real(*args, **kwargs)
        if then is not None:
            then()
        raise SoftTimeLimitExceeded()

    return wrapper


@pytest.mark.parametrize(
    ("target", "name", "before"),
    [
        (processing, "job_mark_processing", True),
        (processing, "job_mark_processing", False),
        (QuerySet, "select_related", True),
    ],
    ids=["before-the-claim", "after-the-claim-committed", "while-the-job-is-read"],
)
def test_a_stray_interrupt_before_the_provider_call_does_not_lose_the_job(
    stored_files, monkeypatch, target, name, before
):
    job = _job()
    monkeypatch.setattr(target, name, _interrupted_once(getattr(target, name), before=before))

    assert job_run(job_id=str(job.id)) == JobStatus.COMPLETED

    assert stored_files() == [f"results/{job.id}.jpg"]


def test_an_interrupt_for_a_job_cancelled_just_after_its_claim_ends_it_cancelled_without_its_input(
    stored_files, monkeypatch
):
    job = _job()
    cancel = _interrupted_once(
        processing.job_mark_processing, before=False, then=lambda: job_mark_cancelled(job_id=job.id)
    )
    monkeypatch.setattr(processing, "job_mark_processing", cancel)

    assert job_run(job_id=str(job.id)) == JobStatus.CANCELLED

    assert stored_files() == []


def test_an_interrupt_just_after_the_claim_of_a_job_out_of_time_ends_it_failed_timeout(stored_files, monkeypatch):
    job = _job(seconds_left=0.5)
    late = _interrupted_once(processing.job_mark_processing, before=False, then=lambda: _sleep_past(job))
    monkeypatch.setattr(processing, "job_mark_processing", late)

    assert job_run(job_id=str(job.id)) == JobStatus.FAILED_TIMEOUT

    assert stored_files() == []


def _sleep_past(job) -> None:
    import time

    time.sleep(max(0.0, (job.deadline - timezone.now()).total_seconds()) + 0.05)


# --- a template gone since the job was queued ----------------------------------------------------


def test_a_job_whose_template_was_deleted_fails_template_missing_naming_it(stored_files):
    gone = str(uuid.uuid4())
    job = _job(SlotFactory(operation="overlay", params={"frame": str(TemplateMediaFactory().id)}))
    job.params = {**job.params, "frame": gone}
    job.save(update_fields=["params"])

    assert job_run(job_id=str(job.id)) == JobStatus.FAILED_PROVIDER

    job.refresh_from_db()
    assert job.failure_code == "template_missing"
    assert gone in job.failure_message and "frame" in job.failure_message
    assert stored_files("inputs/") == []


def test_a_job_whose_template_file_is_gone_fails_template_missing(stored_files):
    from django.core.files.storage import default_storage

    frame = TemplateMediaFactory()
    job = _job(SlotFactory(operation="overlay", params={"frame": str(frame.id)}))
    default_storage.delete(frame.storage_key)

    assert job_run(job_id=str(job.id)) == JobStatus.FAILED_PROVIDER

    job.refresh_from_db()
    assert job.failure_code == "template_missing"
