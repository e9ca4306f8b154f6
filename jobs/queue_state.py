"""How many tasks wait in the broker's queue (for /metrics and the admin dashboard)."""

from __future__ import annotations

from django.conf import settings

from core.redis_clients import redis_connection


def queue_depth() -> dict[str, int]:
    """Messages waiting in the Celery queue (Redis lists; kombu keeps one list per priority step).
    Raises redis errors."""
    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    with redis_connection(settings.CELERY_BROKER_URL, timeout=1.0) as client:
        keys = [queue] + [f"{queue}\x06\x16{priority}" for priority in (3, 6, 9)]
        pipe = client.pipeline()
        for key in keys:
            pipe.llen(key)
        return {queue: sum(pipe.execute())}
