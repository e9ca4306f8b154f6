"""Is any worker consuming jobs? Workers refresh a short-lived Redis key; the booth's request reads
it (one GET) so that with no worker at all it gets a quick 503 instead of a wait to the deadline."""

from __future__ import annotations

import logging
import threading

import redis
from django.conf import settings

from core.redis_clients import broker_client

logger = logging.getLogger(__name__)


def _key() -> str:
    # Per queue: a worker of another fleet (or test run) sharing this Redis serves other jobs.
    return f"photochanger:workers-alive:{settings.CELERY_TASK_DEFAULT_QUEUE}"


REFRESH_SECONDS = 2.0
TTL_SECONDS = 6


def workers_alive() -> bool:
    """True while some worker refreshed the key in the last TTL_SECONDS. Raises redis errors."""
    return bool(broker_client().exists(_key()))


def _beat(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            broker_client().set(_key(), "1", ex=TTL_SECONDS)
        except redis.RedisError as exc:
            logger.warning("worker liveness key not refreshed: %s", exc)
        stop.wait(REFRESH_SECONDS)


def worker_liveness_start(**kwargs) -> None:
    """Celery ``worker_ready`` receiver (the worker's main process)."""
    stop = threading.Event()
    threading.Thread(target=_beat, args=(stop,), name="worker-liveness", daemon=True).start()
