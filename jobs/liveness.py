"""Is any worker consuming jobs? Workers refresh a short-lived Redis key; the booth's request reads
it (one GET) so that with no worker at all it gets a quick 503 instead of a wait to the deadline."""

from __future__ import annotations

import logging
import threading
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


def _key() -> str:
    # Per queue: a worker of another fleet (or test run) sharing this Redis serves other jobs.
    return f"photochanger:workers-alive:{settings.CELERY_TASK_DEFAULT_QUEUE}"


REFRESH_SECONDS = 2.0
TTL_SECONDS = 6


@cache
def _client() -> redis.Redis:
    # Every booth request calls it (this key, the password-failure counter), each of a web
    # process's hundreds of threads at once under load: redis-py 8's default cap of 100 pooled
    # connections answered the 101st with "Too many connections", so a 503 (tests/reliability).
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_timeout=1.0, socket_connect_timeout=1.0, max_connections=2**31
    )


def workers_alive() -> bool:
    """True while some worker refreshed the key in the last TTL_SECONDS. Raises redis errors."""
    return bool(_client().exists(_key()))


def _beat(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            _client().set(_key(), "1", ex=TTL_SECONDS)
        except redis.RedisError as exc:
            logger.warning("worker liveness key not refreshed: %s", exc)
        stop.wait(REFRESH_SECONDS)


def worker_liveness_start(**kwargs) -> None:
    """Celery ``worker_ready`` receiver (the worker's main process)."""
    stop = threading.Event()
    threading.Thread(target=_beat, args=(stop,), name="worker-liveness", daemon=True).start()
