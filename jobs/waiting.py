"""Waiting for a job's outcome in the web process: a Redis list per job is the wake-up, the job's
row is the outcome (docs/decisions/0001-own-result-wait.md)."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

import redis
from django.conf import settings

from core.redis_clients import UNBOUNDED_POOL, redis_client
from jobs.models import Job

logger = logging.getLogger(__name__)


def _done_key(job_id: object) -> str:
    return f"photochanger:job-done:{job_id}"


@cache
def _redis() -> redis.Redis:
    # Waits are sliced (WAIT_SLICE), so a socket that stays silent longer than this means Redis
    # is gone, not busy. Every waiting booth request holds a connection: the pool must not be
    # smaller than a web process's threads (redis-py's default of 100 refused the 101st waiter,
    # which then answered 503; bench/README.md). Redis's own maxclients is the real bound.
    return redis_client(
        settings.CELERY_BROKER_URL, timeout=WAIT_SLICE + 2, connect_timeout=2, max_connections=UNBOUNDED_POOL
    )


# How long one blocking Redis call may wait; a wait longer than this is several calls.
WAIT_SLICE = 1.0
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
    while (timeout := job.seconds_left(until=until)) > 0:
        wait = min(timeout, WAIT_SLICE)  # fractional seconds: BLMOVE takes a double; redis-py says int
        if _redis().blmove(key, key, wait, "LEFT", "RIGHT") is not None:  # type: ignore[arg-type]
            return True
    return False
