"""Putting a job's task on the queue with limits derived from its deadline, and taking it off.

Tasks are sent by name, so the web side never imports the worker's code (jobs.tasks).
"""

from __future__ import annotations

import logging

from celery import current_app

from jobs.models import Job

logger = logging.getLogger(__name__)

PROCESS_TASK = "jobs.process_job"
# The web request ends a job at its deadline and revokes its task; the task's own soft limit is a
# backstop for when that request died, so it fires a little later.
SOFT_LIMIT_MARGIN = 1.0
# How long a task may run past its soft limit to clean up before the pool kills it.
HARD_LIMIT_MARGIN = 5.0
# SIGUSR1 raises SoftTimeLimitExceeded inside the task, so it can clean up; SIGTERM/SIGKILL would
# kill the pool process and leave the cleanup to the periodic sweep (docs/decisions/0004).
REVOKE_SIGNAL = "SIGUSR1"


def job_enqueue(*, job: Job) -> None:
    """Publish the job's task. Raises kombu/redis errors when the broker is unreachable."""
    budget = max(job.seconds_left(), 0.1)
    current_app.send_task(
        PROCESS_TASK,
        args=[str(job.id)],
        kwargs={"slot_id": str(job.slot_id) if job.slot_id else None},
        task_id=job.celery_task_id,
        # A task still queued at the deadline is discarded by the worker, never run late.
        expires=job.deadline,
        soft_time_limit=budget + SOFT_LIMIT_MARGIN,
        time_limit=budget + SOFT_LIMIT_MARGIN + HARD_LIMIT_MARGIN,
    )


def job_revoke(*, job: Job) -> None:
    """Stop the job's task wherever it is: discarded if queued, interrupted if running. A booth
    waiting on the job is woken by the status change (``jobs.waiting.job_notify_final``)."""
    try:
        current_app.control.revoke(job.celery_task_id, terminate=True, signal=REVOKE_SIGNAL)
    except Exception:
        # The job's status already says it is over; a running task finds that out by itself.
        logger.exception("Could not revoke the task of job %s", job.id)
