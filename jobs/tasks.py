"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from jobs.cleanup import jobs_sweep_stale, media_sweep_expired
from jobs.processing import job_process


@shared_task(name="jobs.process_job")
def process_job(job_id: str) -> str:
    return job_process(job_id=job_id)


@shared_task(name="jobs.sweep_stale_jobs", ignore_result=True)
def sweep_stale_jobs() -> dict[str, int]:
    return {"media": media_sweep_expired(), "jobs": jobs_sweep_stale()}
