"""Storing a result: the file is written before its row commits, and it is deleted on a failure
only when the row surely did not commit (an interrupt can land after COMMIT, in the wake-up)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from jobs import services
from jobs.models import JobStatus, Result
from jobs.services import job_result_store
from providers.base import ImageData
from tests.factories import JobFactory
from tests.support import images

# Real transactions: the on-commit wake-up runs when job_result_store's own block commits.
pytestmark = pytest.mark.django_db(transaction=True)


def _processing_job():
    now = timezone.now()
    return JobFactory(status=JobStatus.PROCESSING, created_at=now, deadline=now + timedelta(seconds=30))


def _interrupt(**kwargs):
    raise SoftTimeLimitExceeded()


def test_an_interrupt_in_the_wake_up_after_commit_keeps_the_committed_result_file(stored_files, monkeypatch):
    job = _processing_job()
    monkeypatch.setattr(services, "job_notify_final", _interrupt)

    with pytest.raises(SoftTimeLimitExceeded):
        job_result_store(job=job, image=ImageData(images.jpeg(), "image/jpeg"))

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert stored_files("results/") == [Result.objects.get(job=job).storage_key]


def test_an_interrupt_before_commit_removes_the_file_and_leaves_the_job_processing(stored_files, monkeypatch):
    job = _processing_job()
    monkeypatch.setattr(Result.objects, "create", _interrupt)

    with pytest.raises(SoftTimeLimitExceeded):
        job_result_store(job=job, image=ImageData(images.jpeg(), "image/jpeg"))

    job.refresh_from_db()
    assert job.status == JobStatus.PROCESSING
    assert not Result.objects.exists()
    assert stored_files("results/") == []
