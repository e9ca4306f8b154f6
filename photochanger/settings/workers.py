"""Celery: broker, limits, worker processes and their database connections, beat's schedule."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ImproperlyConfigured

from photochanger.settings.environment import env, positive
from photochanger.settings.pipeline import CLEANUP_PERIOD_SECONDS, STORAGE_ORPHAN_MIN_AGE_SECONDS, T_SYNC_RESPONSE
from photochanger.settings.secrets import url_password_refuse_placeholder

# --- Celery ----------------------------------------------------------------------------------
REDIS_URL = url_password_refuse_placeholder("REDIS_URL", env.str("REDIS_URL", default="redis://127.0.0.1:6379/0"))
CELERY_BROKER_URL = REDIS_URL
# No result backend: every task is declared ignore_result, the booth learns a job's outcome from
# its row (woken through jobs.waiting; docs/decisions/0001-own-result-wait.md), revokes go over the
# broker, and Flower reads the workers' events, not stored results.
# Workers consume this queue; separate fleets (or test runs) sharing one Redis use separate names.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# One job per worker process at a time; a job is acknowledged on receipt, because redelivering it
# after its deadline is useless (the cleanup ends such jobs instead).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False
# Backstops only: each job's task gets limits derived from its own deadline when it is enqueued.
CELERY_TASK_SOFT_TIME_LIMIT = T_SYNC_RESPONSE + 5
CELERY_TASK_TIME_LIMIT = T_SYNC_RESPONSE + 15
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=8)
# Pool processes keep their database connection between tasks when the pool has at most this many
# processes (photochanger/db.py); a bigger pool connects per task. Connections are kept this long.
WORKER_DB_PERSISTENT_MAX_POOL = env.int("WORKER_DB_PERSISTENT_MAX_POOL", default=32)
if WORKER_DB_PERSISTENT_MAX_POOL < 0:
    raise ImproperlyConfigured("WORKER_DB_PERSISTENT_MAX_POOL must be 0 (never) or a pool size.")
WORKER_DB_CONN_MAX_AGE = int(positive("WORKER_DB_CONN_MAX_AGE", env.int("WORKER_DB_CONN_MAX_AGE", default=300)))
# Celery's Django fixup would close connections around every task; photochanger/db.py decides.
CELERY_DB_REUSE_MAX = 2**31
# A pool process that grew past this (KiB) after a task is replaced; 0 = never. Freed image memory
# is not always given back to the system; the default (an idle ~110 MB process plus a 24 MP
# photo's working set) replaces a process left holding a bigger photo's (docs/operations.md, "Memory budget").
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600_000) or None
# Beat writes its schedule file after every task it sends: the file's age is its health check.
CELERY_BEAT_SYNC_EVERY = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage must turn into a quick 503, not a booth request hanging on reconnects.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "visibility_timeout": 3600}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2


# --- Canary checks (ingest.slot_check): slots flagged ``canary`` get the sample portrait every
# CANARY_PERIOD_MINUTES while now is inside CANARY_WINDOW ("<start>/<end>", ISO 8601 with a UTC
# offset, e.g. 2026-12-05T17:00+01:00/2026-12-06T02:00+01:00; empty: no canary checks).
def _canary_window(text: str) -> tuple[datetime, datetime] | None:
    if not text.strip():
        return None
    try:
        start, end = (datetime.fromisoformat(part.strip()) for part in text.split("/"))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"CANARY_WINDOW must be <start>/<end> in ISO 8601, e.g. 2026-12-05T17:00+01:00/2026-12-06T02:00+01:00; "
            f"got {text!r}."
        ) from exc
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ImproperlyConfigured(
            f"CANARY_WINDOW needs UTC offsets on both ends and an end after the start; got {text!r}."
        )
    return start, end


CANARY_WINDOW = _canary_window(env.str("CANARY_WINDOW", default=""))
CANARY_PERIOD_MINUTES = positive("CANARY_PERIOD_MINUTES", env.float("CANARY_PERIOD_MINUTES", default=10.0))

# One beat process runs these; each task is idempotent and safe to overlap with itself.
CELERY_BEAT_SCHEDULE = {
    "cleanup-expired-media": {"task": "jobs.cleanup_expired_media", "schedule": CLEANUP_PERIOD_SECONDS},
    "cleanup-stale-jobs": {"task": "jobs.cleanup_stale_jobs", "schedule": CLEANUP_PERIOD_SECONDS},
    "cleanup-expired-results": {"task": "jobs.cleanup_expired_results", "schedule": CLEANUP_PERIOD_SECONDS},
    "cleanup-expired-booth-fields": {"task": "jobs.cleanup_expired_booth_fields", "schedule": CLEANUP_PERIOD_SECONDS},
    "flush-expired-tokens": {"task": "photochanger.flush_expired_tokens", "schedule": 3600.0},
    "cleanup-storage-orphans": {"task": "jobs.cleanup_storage_orphans", "schedule": STORAGE_ORPHAN_MIN_AGE_SECONDS},
    "canary-checks": {"task": "ingest.canary_checks", "schedule": CANARY_PERIOD_MINUTES * 60},
}
