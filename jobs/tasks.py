"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from jobs.cleanup import (
    booth_fields_sweep_expired,
    jobs_sweep_stale,
    media_sweep_expired,
    results_sweep_expired,
    storage_sweep_orphans,
)
from jobs.processing import job_run


# The booth's request learns the outcome from the job row (woken through jobs.waiting), so the
# task keeps no result of its own.
@shared_task(name="jobs.process_job", ignore_result=True)
def process_job(job_id: str, slot_id: str | None = None) -> str:
    # ``slot_id`` only labels the task's log lines (core.log_context), without a query.
    return job_run(job_id=job_id)


@shared_task(name="jobs.cleanup_expired_media", ignore_result=True)
def cleanup_expired_media() -> int:
    return media_sweep_expired()


@shared_task(name="jobs.cleanup_stale_jobs", ignore_result=True)
def cleanup_stale_jobs() -> int:
    return jobs_sweep_stale()


@shared_task(name="jobs.cleanup_expired_results", ignore_result=True)
def cleanup_expired_results() -> int:
    return results_sweep_expired()


@shared_task(name="jobs.cleanup_expired_booth_fields", ignore_result=True)
def cleanup_expired_booth_fields() -> int:
    return booth_fields_sweep_expired()


@shared_task(name="jobs.cleanup_storage_orphans", ignore_result=True)
def cleanup_storage_orphans() -> int:
    return storage_sweep_orphans()
