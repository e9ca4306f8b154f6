"""The job state machine: exactly the transitions of docs/spec.md, each an atomic conditional UPDATE."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection

from jobs.models import Job, JobStatus
from jobs.services import (
    job_mark_cancelled,
    job_mark_completed,
    job_mark_failed_provider,
    job_mark_failed_timeout,
    job_mark_processing,
)
from tests.factories import JobFactory

TRANSITIONS = {
    JobStatus.PROCESSING: lambda job_id: job_mark_processing(job_id=job_id),
    JobStatus.COMPLETED: lambda job_id: job_mark_completed(job_id=job_id, model="m"),
    JobStatus.FAILED_TIMEOUT: lambda job_id: job_mark_failed_timeout(job_id=job_id),
    JobStatus.FAILED_PROVIDER: lambda job_id: job_mark_failed_provider(
        job_id=job_id, code="provider_error", message="x"
    ),
    JobStatus.CANCELLED: lambda job_id: job_mark_cancelled(job_id=job_id),
}
# docs/spec.md, section 3, including pending -> failed_timeout (docs/decisions/0002): a job whose
# input expired before any worker took it (docs/spec.md, UC4), or that no worker took before the deadline.
ALLOWED = {
    (JobStatus.PENDING, JobStatus.PROCESSING),
    (JobStatus.PROCESSING, JobStatus.COMPLETED),
    (JobStatus.PROCESSING, JobStatus.FAILED_TIMEOUT),
    (JobStatus.PROCESSING, JobStatus.FAILED_PROVIDER),
    (JobStatus.PENDING, JobStatus.CANCELLED),
    (JobStatus.PROCESSING, JobStatus.CANCELLED),
    (JobStatus.PENDING, JobStatus.FAILED_TIMEOUT),
}
PAIRS = [(source, target) for source in JobStatus for target in TRANSITIONS]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}->{t}" for s, t in PAIRS])
def test_only_the_drawn_transitions_happen(source, target):
    job = JobFactory(status=source)

    won = TRANSITIONS[target](job.id)

    job.refresh_from_db()
    if (source, target) in ALLOWED:
        assert won is True
        assert job.status == target
    else:
        assert won is False
        assert job.status == source


@pytest.mark.django_db
def test_final_transitions_stamp_finished_at_and_keep_the_reason():
    job = JobFactory(status=JobStatus.PROCESSING)

    assert job_mark_failed_provider(job_id=job.id, code="provider_refused", message="blocked", attempts=2, model="m1")

    job.refresh_from_db()
    assert job.finished_at is not None
    assert (job.failure_code, job.failure_message, job.attempts, job.model) == ("provider_refused", "blocked", 2, "m1")


@pytest.mark.django_db
def test_database_refuses_a_final_status_without_finished_at():
    job = JobFactory(status=JobStatus.PENDING)
    with pytest.raises(IntegrityError):
        Job.objects.filter(id=job.id).update(status=JobStatus.COMPLETED)


@pytest.mark.django_db
def test_database_refuses_a_failure_without_a_code():
    job = JobFactory(status=JobStatus.PROCESSING)
    with pytest.raises(IntegrityError):
        Job.objects.filter(id=job.id).update(status=JobStatus.FAILED_PROVIDER, finished_at=job.created_at)


def _race(job_id, transitions: dict) -> dict[str, bool]:
    """Run the transitions at the same instant from separate threads (own DB connections)."""
    barrier = threading.Barrier(len(transitions))
    outcomes: dict[str, bool] = {}

    def attempt(name: str) -> None:
        barrier.wait()
        try:
            outcomes[name] = transitions[name](job_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in transitions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_on_one_job_have_exactly_one_winner():
    for _ in range(20):
        job = JobFactory(status=JobStatus.PROCESSING)

        outcomes = _race(job.id, {s: TRANSITIONS[s] for s in (JobStatus.COMPLETED, JobStatus.CANCELLED)})

        assert sorted(outcomes.values()) == [False, True]
        job.refresh_from_db()
        assert job.status == next(status for status, won in outcomes.items() if won)
