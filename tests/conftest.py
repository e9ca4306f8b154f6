"""The live stack for pipeline tests: a real gunicorn and a real Celery prefork worker, sharing
the test database, the test Redis database and the test media directory with this process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings

from tests.support.gemini_stub import GeminiStub, ok

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
BIN = Path(sys.executable).parent
GEMINI_KEYS = ("test-key-1", "test-key-2")
S3_STACK_REDIS = "redis://127.0.0.1:6379/14"


@dataclass
class LiveStack:
    base_url: str
    worker_name: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout} s; see {ARTIFACTS}")


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
    yield gemini_server
    gemini_server.reset()


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
    )
    return env


def _start_stack(env: dict[str, str], name: str) -> tuple[LiveStack, list[subprocess.Popen]]:
    worker_name = f"{name}-{uuid.uuid4().hex[:8]}@localhost"
    port = _free_port()
    celery = [str(BIN / "celery"), "-A", "photochanger"]
    processes = [
        subprocess.Popen(
            [
                *celery,
                "worker",
                "-P",
                "prefork",
                "-c",
                "4",
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                worker_name,
            ],
            env=env,
            stdout=(ARTIFACTS / f"{name}-worker.log").open("w"),
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "photochanger.wsgi:application",
                "-c",
                "gunicorn.conf.py",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
            ],
            env=env,
            stdout=(ARTIFACTS / f"{name}-web.log").open("w"),
            stderr=subprocess.STDOUT,
        ),
    ]
    app = Celery(broker=env["REDIS_URL"], set_as_current=False)  # never hijack shared_task
    try:
        _wait_for(lambda: _port_open(port), "gunicorn")
        _wait_for(lambda: any(worker_name in r for r in app.control.ping(timeout=0.5)), "celery worker")
    except Exception:
        for process in processes:
            _stop(process)
        raise
    return LiveStack(base_url=f"http://127.0.0.1:{port}", worker_name=worker_name), processes


@pytest.fixture(scope="session")
def live_stack(stack_env) -> LiveStack:
    """gunicorn + a Celery prefork worker on local-disk storage, sharing this process's Redis DB."""
    ARTIFACTS.mkdir(exist_ok=True)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    stack, processes = _start_stack(stack_env, "local")
    yield stack
    for process in processes:
        _stop(process)


@pytest.fixture(scope="session")
def live_stack_s3(stack_env, s3_server) -> LiveStack:
    """The same stack storing every file on the S3 server; its own Redis DB, so its jobs never reach
    the local-storage worker."""
    ARTIFACTS.mkdir(exist_ok=True)
    env = {**stack_env, **s3_server.env(), "REDIS_URL": S3_STACK_REDIS}
    redis.Redis.from_url(S3_STACK_REDIS).flushdb()
    stack, processes = _start_stack(env, "s3")
    yield stack
    for process in processes:
        _stop(process)


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
    _stop(process)


def pytest_collection_modifyitems(items):
    """Pipeline tests last: the fast unit tests report first, and the live stack (started on first
    use, kept for the session) is not running while they do."""
    items.sort(key=lambda item: item.get_closest_marker("pipeline") is not None)
