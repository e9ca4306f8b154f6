"""The booth's fields (names, survey answers, e-mail addresses) live as long as the result: they
are cleared when the result expires, and after the same retention for jobs that got none."""

from __future__ import annotations

import pytest

from jobs.cleanup import booth_fields_sweep_expired, results_sweep_expired
from jobs.models import JobStatus
from tests.factories import JobFactory, ResultFactory

pytestmark = pytest.mark.django_db
FIELDS = {"name": "Alice", "email": "alice@example.com"}


def test_the_booth_fields_go_with_the_expired_result(clock, settings):
    settings.RESULT_TTL_HOURS = 72
    result = ResultFactory(job=JobFactory(status=JobStatus.COMPLETED, booth_metadata=FIELDS), created_at=clock.now)
    clock.advance(72 * 3600 - 1)
    results_sweep_expired()
    result.job.refresh_from_db()
    assert result.job.booth_metadata == FIELDS

    clock.advance(2)
    assert results_sweep_expired() == 1

    result.job.refresh_from_db()
    assert result.job.booth_metadata == {}


@pytest.mark.parametrize("status", [JobStatus.FAILED_PROVIDER, JobStatus.FAILED_TIMEOUT, JobStatus.CANCELLED])
def test_a_job_without_a_result_loses_its_booth_fields_after_the_result_retention(clock, settings, status):
    settings.RESULT_TTL_HOURS = 72
    ended = JobFactory(status=status, booth_metadata=FIELDS)
    active = JobFactory(status=JobStatus.PROCESSING, booth_metadata=FIELDS)
    clock.advance(72 * 3600 - 1)
    assert booth_fields_sweep_expired() == 0

    clock.advance(2)
    assert booth_fields_sweep_expired() == 1

    ended.refresh_from_db()
    active.refresh_from_db()
    assert (ended.booth_metadata, active.booth_metadata) == ({}, FIELDS)
    assert booth_fields_sweep_expired() == 0, "idempotent"
