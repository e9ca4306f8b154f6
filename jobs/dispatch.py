"""The Celery side of a job: enqueue with limits derived from its deadline, wait, revoke."""

from __future__ import annotations

import logging

from celery.exceptions import TimeoutError as CeleryTimeout
from django.utils import timezone

from jobs.models import Job
from photochanger.celery import app

logger = logging.getLogger(__name__)

# The web request ends a job at its deadline and revokes its task; the task's own soft limit is a
# backstop for when that request died, so it fires a little later.
SOFT_LIMIT_MARGIN = 1.0
# How long a task may run past its soft limit to clean up before the pool kills it.
HARD_LIMIT_MARGIN = 5.0
# SIGUSR1 raises SoftTimeLimitExceeded inside the task, so it can clean up; SIGTERM/SIGKILL would
# kill the pool process and leave the cleanup to the periodic sweep.
REVOKE_SIGNAL = "SIGUSR1"


def remaining_seconds(job: Job) -> float:
    return (job.deadline - timezone.now()).total_seconds()


def job_enqueue(*, job: Job) -> None:
    """Publish the job's task. Raises kombu/redis errors when the broker is unreachable."""
    from jobs.tasks import process_job

    budget = max(remaining_seconds(job), 0.1)
    process_job.apply_async(
        args=[str(job.id)],
        task_id=job.celery_task_id,
        # A task still queued at the deadline is discarded by the worker, never run late.
        expires=job.deadline,
        soft_time_limit=budget + SOFT_LIMIT_MARGIN,
        time_limit=budget + SOFT_LIMIT_MARGIN + HARD_LIMIT_MARGIN,
    )


def job_wait(*, job: Job) -> bool:
    """Block until the job's task reports back or the deadline passes. True if it reported."""
    timeout = remaining_seconds(job)
    if timeout <= 0:
        return False
    try:
        app.AsyncResult(job.celery_task_id).get(timeout=timeout, propagate=False, disable_sync_subtasks=False)
    except CeleryTimeout:
        return False
    return True


def job_revoke(*, job: Job, wake_waiters: bool = False) -> None:
    """Stop the job's task wherever it is: discarded if queued, interrupted if running.

    ``wake_waiters`` also records the task as revoked in the result backend, so a booth request
    blocked on it returns at once (used by cancellation; on timeout the waiter is the caller).
    """
    try:
        app.control.revoke(job.celery_task_id, terminate=True, signal=REVOKE_SIGNAL)
        if wake_waiters:
            app.backend.mark_as_revoked(job.celery_task_id, reason="cancelled")
    except Exception:
        # The job's status already says it is over; a running task finds that out by itself.
        logger.exception("Could not revoke the task of job %s", job.id)
