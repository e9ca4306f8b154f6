"""The live stack for pipeline tests: a real gunicorn and a real Celery prefork worker, sharing
the test database, the test Redis database and the test media directory with this process."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
import redis
from django.conf import settings

from tests.support.gemini_stub import GeminiStub, ok
from tests.support.pgbouncer import PgBouncer
from tests.support.stack import ARTIFACTS, BIN, LiveStack, start_stack, stop_process

GEMINI_KEYS = ("test-key-1", "test-key-2")
# Its own Redis DB (overridable, for test runs side by side on one machine).
S3_STACK_REDIS = os.environ.get("PHOTOCHANGER_TEST_S3_REDIS", "redis://127.0.0.1:6379/14")


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def gemini_server() -> GeminiStub:
    """The stand-in Gemini API, for the whole session (the worker is pointed at it at start)."""
    with GeminiStub(api_keys=GEMINI_KEYS) as stub:
        yield stub


@pytest.fixture
def gemini(gemini_server) -> GeminiStub:
    """The stand-in Gemini API, its script and records cleared for this test."""
    gemini_server.reset()
    gemini_server.default = ok()
    _breakers_forget()
    yield gemini_server
    gemini_server.reset()


def _breakers_forget() -> None:
    """A test's failing models must not leave the fleet-wide circuit breaker open for the next one."""
    from jobs.breaker import KEY_PREFIX

    with redis.Redis.from_url(settings.REDIS_URL) as client:
        keys = list(client.scan_iter(match=f"{KEY_PREFIX}:*", count=500))
        if keys:
            client.delete(*keys)


@pytest.fixture(scope="session")
def stack_env(django_db_setup, gemini_server) -> dict[str, str]:
    """Environment for the web and worker processes the tests start."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="photochanger.settings.test",
        DATABASE_URL=_database_url(),
        GEMINI_BASE_URL=gemini_server.base_url,
        GEMINI_API_KEY=",".join(GEMINI_KEYS),
        # The stale-job sweep ends abandoned jobs one second past their deadline here.
        STALE_JOB_GRACE_SECONDS="1",
        # A trickled body gets its 408 within a test's patience.
        REQUEST_BODY_READ_SECONDS="3",
    )
    return env


@pytest.fixture(scope="session")
def pgbouncer(django_db_setup) -> PgBouncer:
    """PgBouncer in transaction mode in front of the test database, as the compose deployment has."""
    bouncer = PgBouncer().start()
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="session")
def pooled_env(pgbouncer) -> dict[str, str]:
    """What a stack's environment needs to reach the test database through PgBouncer."""
    from django.db import connection

    return {"DATABASE_URL": pgbouncer.url(connection.settings_dict["NAME"]), "DATABASE_TRANSACTION_POOLING": "true"}


@pytest.fixture(scope="session")
def live_stack(stack_env) -> LiveStack:
    """gunicorn + a Celery prefork worker on local-disk storage, sharing this process's Redis DB."""
    ARTIFACTS.mkdir(exist_ok=True)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    stack = start_stack(stack_env, "local")
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def live_stack_s3(stack_env, s3_server) -> LiveStack:
    """The same stack storing every file on the S3 server; its own Redis DB, so its jobs never reach
    the local-storage worker."""
    ARTIFACTS.mkdir(exist_ok=True)
    env = {**stack_env, **s3_server.env(), "REDIS_URL": S3_STACK_REDIS}
    redis.Redis.from_url(S3_STACK_REDIS).flushdb()
    stack = start_stack(env, "s3")
    yield stack
    stack.stop()


@pytest.fixture
def celery_beat(stack_env):
    """Celery beat sending the cleanup tasks every second to the live stack's worker."""
    process = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "photochanger",
            "beat",
            "-l",
            "INFO",
            "-s",
            str(ARTIFACTS / f"beat-{uuid.uuid4().hex[:6]}.schedule"),
        ],
        env={**stack_env, "CLEANUP_PERIOD_SECONDS": "1"},
        stdout=(ARTIFACTS / "beat.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    yield process
    stop_process(process)


def pytest_collection_modifyitems(items):
    """Pipeline tests last: the fast unit tests report first, and the live stack (started on first
    use, kept for the session) is not running while they do."""
    items.sort(key=lambda item: item.get_closest_marker("pipeline") is not None)


@pytest.fixture
def booth_slot(transactional_db):
    """``booth_slot(**kwargs)``: a committed slot (visible to the web and worker processes)."""
    from tests.factories import SlotFactory

    return SlotFactory
