"""The Celery side of a job: enqueue with limits derived from its deadline, wait, revoke."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

import redis
from django.conf import settings
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


def remaining_seconds(job: Job, *, until: datetime | None = None) -> float:
    """Seconds left to the job's deadline, or to ``until`` when that comes first."""
    end = job.deadline if until is None else min(until, job.deadline)
    return (end - timezone.now()).total_seconds()


def job_enqueue(*, job: Job) -> None:
    """Publish the job's task. Raises kombu/redis errors when the broker is unreachable."""
    from jobs.tasks import process_job

    budget = max(remaining_seconds(job), 0.1)
    process_job.apply_async(
        args=[str(job.id)],
        kwargs={"slot_id": str(job.slot_id) if job.slot_id else None},
        task_id=job.celery_task_id,
        # A task still queued at the deadline is discarded by the worker, never run late.
        expires=job.deadline,
        soft_time_limit=budget + SOFT_LIMIT_MARGIN,
        time_limit=budget + SOFT_LIMIT_MARGIN + HARD_LIMIT_MARGIN,
    )


def _done_key(job_id: object) -> str:
    return f"photochanger:job-done:{job_id}"


@cache
def _redis() -> redis.Redis:
    # Waits are sliced (WAIT_SLICE), so a socket that stays silent longer than this means Redis
    # is gone, not busy. Every waiting booth request holds a connection: the pool must not be
    # smaller than a web process's threads (redis-py's default of 100 refused the 101st waiter,
    # which then answered 503; bench/README.md). Redis's own maxclients is the real bound.
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=2,
        socket_timeout=WAIT_SLICE + 2,
        max_connections=WAITERS_MAX,
    )


# How long one blocking Redis call may wait; a wait longer than this is several calls.
WAIT_SLICE = 1.0
# Connections of one process's pool: as many as it has waiting threads (redis-py < 5's default).
WAITERS_MAX = 2**31
DONE_TTL_SECONDS = 120


def job_notify_final(*, job_id: object) -> None:
    """Wake whoever waits on the job: it reached a final status (called after commit)."""
    try:
        pipeline = _redis().pipeline()
        pipeline.rpush(_done_key(job_id), "final")
        pipeline.expire(_done_key(job_id), DONE_TTL_SECONDS)
        pipeline.execute()
    except redis.RedisError as exc:
        # The waiter falls back to watching the job's row; nothing is lost.
        logger.warning("could not signal job %s as final: %s", job_id, exc)


def job_wait(*, job: Job, until: datetime | None = None) -> bool:
    """Block until the job is signalled final or its deadline (or ``until``, if earlier) passes.
    True if it was signalled.

    Each waiter blocks on its own Redis connection (BLMOVE of the job's list onto itself, so every
    waiter of the same job sees the signal), never on shared client state: hundreds of booth
    requests of one process wait independently, and a Redis failure raises at once (the caller
    then watches the database row) instead of reconnect loops past the deadline.
    """
    key = _done_key(job.id)
    while (timeout := remaining_seconds(job, until=until)) > 0:
        wait = min(timeout, WAIT_SLICE)  # fractional seconds: BLMOVE takes a double; redis-py says int
        if _redis().blmove(key, key, wait, "LEFT", "RIGHT") is not None:  # type: ignore[arg-type]
            return True
    return False


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
