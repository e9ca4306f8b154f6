"""Which earlier job answers a booth's retry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ingest.selectors import IdempotencyKeyReused, ingest_duplicate_find
from jobs.models import JobStatus
from tests.factories import JobFactory, ResultFactory, SlotFactory

pytestmark = pytest.mark.django_db
PHOTO = "ab" * 32


def test_the_same_photo_finds_the_job_in_flight_whatever_the_key():
    slot = SlotFactory()
    job = JobFactory(slot=slot, status=JobStatus.PROCESSING, idempotency_key="booth-7-shot-3", input_sha256=PHOTO)
    assert ingest_duplicate_find(slot=slot, input_sha256=PHOTO, idempotency_key="booth-7-shot-3") == job
    assert ingest_duplicate_find(slot=slot, input_sha256=PHOTO, idempotency_key="booth-7-shot-4") == job
    assert ingest_duplicate_find(slot=slot, input_sha256=PHOTO) == job


@pytest.mark.parametrize("status", [JobStatus.PROCESSING, JobStatus.COMPLETED, JobStatus.FAILED_PROVIDER])
def test_the_same_idempotency_key_with_other_bytes_is_refused_whatever_became_of_the_first(status):
    slot = SlotFactory()
    JobFactory(slot=slot, status=status, idempotency_key="booth-7-shot-3", input_sha256=PHOTO)
    with pytest.raises(IdempotencyKeyReused):
        ingest_duplicate_find(slot=slot, input_sha256="cd" * 32, idempotency_key="booth-7-shot-3")


def test_a_key_never_matches_another_slot_or_another_key():
    slot = SlotFactory()
    JobFactory(slot=slot, status=JobStatus.PROCESSING, idempotency_key="k1")
    assert ingest_duplicate_find(slot=SlotFactory(), input_sha256="", idempotency_key="k1") is None
    assert ingest_duplicate_find(slot=slot, input_sha256="", idempotency_key="k2") is None


def test_the_same_photo_finds_a_completed_job_only_while_its_result_lives(clock, settings, stored_files):
    settings.IDEMPOTENCY_WINDOW_SECONDS = 7 * 24 * 3600  # so only the result's expiry decides
    result = ResultFactory()
    job = result.job
    job.input_sha256 = PHOTO
    job.save(update_fields=["input_sha256"])
    assert ingest_duplicate_find(slot=job.slot, input_sha256=PHOTO) == job

    clock.advance((result.expires_at - clock.now).total_seconds() + 1)
    assert ingest_duplicate_find(slot=job.slot, input_sha256=PHOTO) is None


@pytest.mark.parametrize("status", [JobStatus.FAILED_PROVIDER, JobStatus.FAILED_TIMEOUT, JobStatus.CANCELLED])
def test_a_failed_or_cancelled_original_is_not_reused(status):
    slot = SlotFactory()
    JobFactory(slot=slot, status=status, input_sha256=PHOTO)
    assert ingest_duplicate_find(slot=slot, input_sha256=PHOTO) is None


def test_an_original_older_than_the_window_is_not_reused(settings):
    slot = SlotFactory()
    old = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_WINDOW_SECONDS + 1)
    JobFactory(slot=slot, status=JobStatus.PROCESSING, input_sha256=PHOTO, created_at=old)
    assert ingest_duplicate_find(slot=slot, input_sha256=PHOTO) is None


def test_admin_test_runs_never_answer_a_booth():
    slot = SlotFactory()
    JobFactory(slot=slot, status=JobStatus.PROCESSING, input_sha256=PHOTO, is_test_run=True)
    assert ingest_duplicate_find(slot=slot, input_sha256=PHOTO) is None
