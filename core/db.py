"""Database connection helpers, and how a worker's pool processes hold their connections."""

from __future__ import annotations

import logging
import os
from typing import Any

from django.conf import settings
from django.db import connection, connections

logger = logging.getLogger(__name__)

# Whether this worker's pool processes keep their connection between tasks (decided once in the
# worker's parent, inherited by every forked pool process).
_worker_keeps_connections = False


def connection_release() -> None:
    """Give this thread's database connection back (to the pool) before slow work that needs none,
    such as reading a photo or waiting on a job. Inside a transaction it must stay open (and the
    tests run each test in one)."""
    if not connection.in_atomic_block:
        connection.close()


def worker_connection_release() -> None:
    """``connection_release`` before a provider call, unless this worker keeps its connections."""
    if not _worker_keeps_connections:
        connection_release()


def worker_db_signals_connect() -> None:
    """Called by ``photochanger.celery``. A connect costs a pool process ~3 ms and PostgreSQL a
    backend fork, twice per photo when every task opened its own (bench/README.md). A pool of at
    most ``WORKER_DB_PERSISTENT_MAX_POOL`` processes keeps one connection per process from task to
    task (health-checked before reuse); a bigger one, e.g. hundreds of processes waiting on
    Gemini, would exhaust PostgreSQL's ``max_connections``, so it connects per task and gives the
    connection back during each provider call, unless a transaction pooler stands in front of
    PostgreSQL (``DATABASE_TRANSACTION_POOLING``): then every process keeps its connection.
    Celery's Django fixup is told not to close connections itself (``CELERY_DB_REUSE_MAX``): this
    is the one policy."""
    from celery import signals

    signals.worker_init.connect(_decide, weak=False)
    signals.worker_process_init.connect(_configure_pool_process, weak=False)


def worker_keeps_connections(*, pool_size: int) -> bool:
    """Behind a transaction pooler (PgBouncer) a kept connection holds no PostgreSQL backend between
    transactions, so every pool process keeps its own whatever the pool's size."""
    if pool_size <= 0:
        return False
    return settings.DATABASE_TRANSACTION_POOLING or pool_size <= settings.WORKER_DB_PERSISTENT_MAX_POOL


def worker_application_name() -> str:
    """How a pool process's connection shows in ``pg_stat_activity`` (with its pid)."""
    return f"photochanger-worker-{os.getpid()}"


def _decide(sender: Any = None, **kwargs: Any) -> None:
    """On ``worker_init``: only a worker runs these (an eager task in a test does not)."""
    from celery import signals

    global _worker_keeps_connections
    signals.task_prerun.connect(_close_unusable_or_obsolete, weak=False)
    signals.task_postrun.connect(_close_unusable_or_obsolete, weak=False)
    pool_size = getattr(sender, "max_concurrency", None) or getattr(sender, "concurrency", None) or 0
    _worker_keeps_connections = worker_keeps_connections(pool_size=pool_size)
    logger.info(
        "pool of %s processes: %s",
        pool_size,
        "each keeps its database connection" if _worker_keeps_connections else "one connection per task",
    )


def _configure_pool_process(**kwargs: Any) -> None:
    for conn in connections.all():
        conn.close()  # never share the parent's socket
        conn.settings_dict["CONN_MAX_AGE"] = settings.WORKER_DB_CONN_MAX_AGE if _worker_keeps_connections else 0
        # A kept connection PostgreSQL has cut (restart, idle timeout) is replaced at the next task.
        conn.settings_dict["CONN_HEALTH_CHECKS"] = _worker_keeps_connections
        conn.settings_dict["OPTIONS"] = {**conn.settings_dict["OPTIONS"], "application_name": worker_application_name()}


def _close_unusable_or_obsolete(**kwargs: Any) -> None:
    # With CONN_MAX_AGE = 0 this closes the connection, as Celery's fixup would have done.
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
