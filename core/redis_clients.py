"""Redis clients: one factory, so every caller says how long it may wait and how many connections
its process may hold, and nobody gets redis-py's defaults (no timeout at all) by accident."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import redis
from django.conf import settings

# A pool as large as a web process has threads: redis-py's default of 100 connections answered the
# 101st concurrent booth request with "Too many connections", a 503 (tests/reliability, bench/README.md).
UNBOUNDED_POOL = 2**31


def redis_client(
    url: str, *, timeout: float, connect_timeout: float | None = None, max_connections: int | None = None
) -> redis.Redis:
    """A client for ``url``: a call fails after ``timeout`` seconds of silence, connecting after
    ``connect_timeout`` (default: ``timeout``); ``max_connections`` bounds its pool."""
    pool = {} if max_connections is None else {"max_connections": max_connections}
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout if connect_timeout is None else connect_timeout,
        **pool,
    )


@contextmanager
def redis_connection(url: str, *, timeout: float) -> Iterator[redis.Redis]:
    """A client for one probe or one read, closed afterwards (health checks, metrics scrapes)."""
    client = redis_client(url, timeout=timeout)
    try:
        yield client
    finally:
        client.close()


@cache
def broker_client() -> redis.Redis:
    """The process's client for short calls on the broker's Redis made by every booth request
    (the workers' liveness key, the booth's guards), shared by all of its threads."""
    return redis_client(settings.CELERY_BROKER_URL, timeout=1.0, max_connections=UNBOUNDED_POOL)
