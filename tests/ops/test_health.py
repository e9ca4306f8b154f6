"""``/healthz`` and ``/readyz``: each dependency down in turn is named, with the right status.

Dependencies are "taken down" for this process only, by pointing its settings at an unused port;
the machine's PostgreSQL and Redis, shared with other test runs, are never stopped.
"""

from __future__ import annotations

import socket
import time

import pytest
import requests
from django.db import connections

from photochanger import health

pytestmark = pytest.mark.django_db


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(client, **headers):
    response = client.get("/readyz", **headers)
    return response.status_code, response.json()


def _failing(body) -> set[str]:
    return {name for name, check in body["checks"].items() if not check["ok"]}


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{_unused_port()}/0"
    settings.CELERY_BROKER_URL = url
    settings.CELERY_RESULT_BACKEND = url


@pytest.fixture
def database_down(monkeypatch):
    monkeypatch.setitem(connections["default"].settings_dict, "PORT", str(_unused_port()))


def test_healthz_answers_ok_while_the_process_is_up(client):
    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_healthz_does_not_depend_on_the_database(client, database_down, redis_down):
    assert client.get("/healthz").status_code == 200


def test_probes_answer_whatever_host_name_they_are_called_by(client):
    # Container health checks and load balancers call by IP; ALLOWED_HOSTS would refuse those.
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.1.2.3:8000").status_code in (200, 503)


def test_probes_only_take_get(client):
    response = client.post("/readyz")

    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_readyz_names_the_workers_when_none_answers_a_ping(client):
    # No worker listens on this run's Redis database while the unit tests run (the live stack
    # starts with the pipeline tests, which run last).
    status, body = _ready(client)

    assert status == 503
    assert body["status"] == "fail"
    assert _failing(body) == {"workers"}
    assert "no worker answered a ping within 1 s" in body["checks"]["workers"]["error"]
    assert body["checks"]["database"] == {"ok": True, "duration_ms": body["checks"]["database"]["duration_ms"]}


def test_a_hanging_check_cannot_hang_readiness(client, monkeypatch):
    def stuck():
        time.sleep(4)
        return {}

    monkeypatch.setitem(health.CHECKS, "storage", stuck)
    started = time.monotonic()

    status, body = _ready(client)

    assert time.monotonic() - started < 3.5
    assert status == 503
    assert "no answer within" in body["checks"]["storage"]["error"]


def test_error_texts_never_carry_credentials():
    assert health._error_text(RuntimeError("redis://:hunter2secret@10.0.0.5:6379/0 refused")) == (
        "RuntimeError: redis://:[redacted]@10.0.0.5:6379/0 refused"
    )


# --- with a worker answering: exactly the dependency taken down fails -----------------------------


@pytest.mark.pipeline
def test_readyz_is_ok_when_every_dependency_answers(live_stack):
    response = requests.get(f"{live_stack.base_url}/readyz", timeout=10)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "result_backend", "storage", "workers"}
    assert body["checks"]["workers"]["workers"] >= 1
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.pipeline
def test_readyz_names_redis_when_it_is_down(live_stack, client, redis_down):
    status, body = _ready(client)

    assert status == 503
    assert _failing(body) == {"broker", "result_backend", "workers"}
    assert "Connection" in body["checks"]["broker"]["error"]
    assert body["checks"]["workers"]["error"] == "not checked: the broker is unreachable"


@pytest.mark.pipeline
def test_readyz_names_the_database_when_it_is_unreachable(live_stack, client, database_down):
    started = time.monotonic()

    status, body = _ready(client)

    assert time.monotonic() - started < 3
    assert status == 503
    assert _failing(body) == {"database"}
    assert "connection" in body["checks"]["database"]["error"].lower()


@pytest.mark.pipeline
def test_readyz_names_the_storage_when_it_is_not_writable(live_stack, client, settings):
    settings.MEDIA_ROOT = "/dev/null/photochanger-media"  # not a directory, even for root

    status, body = _ready(client)

    assert status == 503
    assert _failing(body) == {"storage"}
