"""Structured JSON logs with job and slot ids, and no secret in them."""

from __future__ import annotations

import base64
import io
import json
import logging
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from django.conf import settings as django_settings
from rest_framework_simplejwt.tokens import AccessToken

from core.log_context import _task_bind, _task_unbind
from core.logging import (
    ContextFilter,
    JsonFormatter,
    PlainFormatter,
    known_secrets_reset,
    log_context,
    logging_config,
    redact,
)
from tests.factories import JobFactory
from tests.support import images
from tests.support.booth import booth_post
from tests.support.stack import ARTIFACTS  # noqa: E402 (per-run artifacts directory)

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXN0dWZm"


@pytest.fixture
def json_lines():
    """Everything logged during the test, as the JSON objects the console handler would write."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_line_is_one_json_object_with_the_job_fields(json_lines):
    logging.getLogger("photochanger.test").info(
        "provider call %s",
        "gemini",
        extra={"job_id": "j-1", "slot_id": "s-1", "provider": "gemini", "model": "m", "attempts": 2, "duration_s": 1.5},
    )

    [line] = json_lines()
    assert line["msg"] == "provider call gemini"
    assert (line["level"], line["logger"]) == ("INFO", "photochanger.test")
    assert {k: line[k] for k in ("job_id", "slot_id", "provider", "model", "attempts", "duration_s")} == {
        "job_id": "j-1",
        "slot_id": "s-1",
        "provider": "gemini",
        "model": "m",
        "attempts": 2,
        "duration_s": 1.5,
    }
    assert line["ts"].endswith("+00:00") and isinstance(line["pid"], int)


def test_bound_ids_are_added_to_every_line_until_unbound(json_lines):
    log = logging.getLogger("photochanger.test")
    with log_context(job_id="job-7", slot_id="slot-3"):
        log.info("inside")
        log.info("own id wins", extra={"job_id": "job-8"})
    log.info("outside")

    inside, own, outside = json_lines()
    assert (inside["job_id"], inside["slot_id"]) == ("job-7", "slot-3")
    assert (own["job_id"], own["slot_id"]) == ("job-8", "slot-3")
    assert "job_id" not in outside and "slot_id" not in outside


def test_objects_and_secret_named_extras_are_never_written(json_lines):
    logging.getLogger("photochanger.test").warning(
        "x", extra={"request": object(), "password": "pw-123456", "api_key": "k-123456", "status": "completed"}
    )

    [line] = json_lines()
    assert line["status"] == "completed"
    assert not {"request", "password", "api_key"} & set(line)


def test_exceptions_are_included_and_scrubbed(json_lines):
    try:
        raise RuntimeError(f"upstream said Authorization: Bearer {JWT}")
    except RuntimeError:
        logging.getLogger("photochanger.test").exception("failed")

    [line] = json_lines()
    assert "RuntimeError" in line["exc"]
    assert JWT not in json.dumps(line)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Authorization: Bearer {JWT}", JWT),
        (f"token {JWT} seen", JWT),
        ("password=hunter2hunter2&name=x", "hunter2hunter2"),
        ('{"password": "hunter2hunter2"}', "hunter2hunter2"),
        ("x-goog-api-key: AIzaSyA-1234567890", "AIzaSyA-1234567890"),
        ("GET /v1/models?key=AIzaSyA-1234567890 200", "AIzaSyA-1234567890"),
        ("postgres://app:s3cr3t-pass@db:5432/pc", "s3cr3t-pass"),
        ("GET /r/eyJleHAiOjE3fQ:1tXyzAbCdEfGhIj 200", "eyJleHAiOjE3fQ:1tXyzAbCdEfGhIj"),
    ],
)
def test_secrets_are_scrubbed_by_pattern(text, secret):
    assert secret not in redact(text)


def test_configured_secrets_are_scrubbed_wherever_they_appear(settings):
    known_secrets_reset()
    try:
        assert "test-key-1" not in redact("calling Gemini with test-key-1")
        assert django_settings.SECRET_KEY not in redact(f"key={django_settings.SECRET_KEY}")
    finally:
        known_secrets_reset()


def test_secret_environment_variables_are_scrubbed_but_identifiers_are_not(monkeypatch):
    monkeypatch.setenv("REDIS_PASSWORD", "redis-pass-123456")
    monkeypatch.setenv("S3_ACCESS_KEY_ID", "photochanger")
    known_secrets_reset()
    try:
        assert redact("auth redis-pass-123456 for photochanger") == "auth [redacted] for photochanger"
    finally:
        known_secrets_reset()


def test_token_counts_are_not_mistaken_for_tokens():
    text = '{"input_tokens": 1000, "total_token_count": 2290}'
    assert redact(text) == text


def test_the_plain_format_is_scrubbed_too():
    formatter = PlainFormatter("%(message)s")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "password=hunter2hunter2", (), None)
    assert "hunter2hunter2" not in formatter.format(record)


def test_json_is_the_default_log_format_and_a_bad_one_is_refused():
    assert django_settings.LOGGING["handlers"]["console"]["formatter"] in ("json", "plain")
    assert logging_config()["handlers"]["console"]["formatter"] == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(fmt="xml")


@pytest.mark.django_db
def test_a_worker_task_binds_its_job_and_slot(json_lines):
    job = JobFactory()
    task = SimpleNamespace(name="jobs.process_job", request=SimpleNamespace())

    _task_bind(task=task, args=[str(job.id)], kwargs={"slot_id": str(job.slot_id)})
    logging.getLogger("jobs.processing").info("working")
    _task_unbind(task=task)
    logging.getLogger("jobs.processing").info("done")

    working, done = json_lines()
    assert (working["job_id"], working["slot_id"]) == (str(job.id), str(job.slot_id))
    assert "job_id" not in done


@pytest.mark.django_db
def test_an_ingest_request_logs_one_line_with_its_slot_outcome_and_duration(client, json_lines):
    slot_id = "5b6c1f1e-0000-4000-8000-000000000001"
    client.post(f"/ingest/{slot_id}", {"password": "x"})

    [line] = [line for line in json_lines() if line["logger"] == "photochanger.requests"]
    assert (line["slot_id"], line["status_code"], line["error_code"]) == (slot_id, 404, "slot_not_found")
    assert line["duration_s"] >= 0


# --- the live stack: the logs of a real booth upload and slot creation ----------------------------


def _wait_for_line(path: Path, needle: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared in {path}")


def _json_lines(path: Path) -> list[dict]:
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


@pytest.mark.pipeline
def test_no_secret_reaches_the_web_or_worker_logs(live_stack, transactional_db, gemini, django_user_model):
    user = django_user_model.objects.create_user(username="log-admin", password="admin-password-never-logged")
    token = AccessToken.for_user(user)
    token["scope"] = "slots:create slots:read jobs:read"
    jwt = str(token)
    created = requests.post(
        f"{live_stack.base_url}/api/slots/",
        json={"name": "Log check", "provider": "gemini", "operation": "edit", "params": {"prompt": "Make it pop"}},
        headers={"Authorization": f"Bearer {jwt}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    slot_id, secret = created.json()["id"], created.json()["secret"]
    ingest = f"{live_stack.base_url}/ingest/{slot_id}"

    answer = booth_post(ingest, photo=images.jpeg(64, 48), password=secret)
    wrong = booth_post(ingest, photo=images.jpeg(65, 48), password="wrong-password-never-logged")
    basic = requests.post(
        ingest, files={"fileToUpload": ("a.jpg", images.jpeg(66, 48), "image/jpeg")}, auth=("booth", secret), timeout=10
    )
    assert (answer.status, wrong.status, basic.status_code) == (200, 401, 200)
    job_id = answer.headers["x-job-id"]
    web_log, worker_log = ARTIFACTS / "local-web.log", ARTIFACTS / "local-worker.log"
    _wait_for_line(worker_log, f'"job_id": "{job_id}", "slot_id": "{slot_id}", "status": "completed"')
    _wait_for_line(web_log, f'"job_id": "{job_id}"')

    logs = web_log.read_text() + worker_log.read_text()
    secrets = {
        "slot password": secret,
        "wrong password": "wrong-password-never-logged",
        "basic credentials": base64.b64encode(f"booth:{secret}".encode()).decode(),
        "admin password": "admin-password-never-logged",
        "JWT": jwt,
        "Gemini key 1": "test-key-1",
        "Gemini key 2": "test-key-2",
        "Django secret key": django_settings.SECRET_KEY,
        "metrics token": django_settings.METRICS_TOKEN,
    }
    leaked = [name for name, value in secrets.items() if value in logs]
    assert leaked == []
    assert len(gemini.requests) == 2 and {r.api_key for r in gemini.requests} <= {"test-key-1", "test-key-2"}

    worker = [line for line in _json_lines(worker_log) if line.get("job_id") == job_id]
    assert {"processing", "completed"} <= {line.get("status") for line in worker}
    [call] = [line for line in worker if line["logger"] == "stats.services"]
    assert (call["slot_id"], call["provider"], call["model"], call["outcome"]) == (
        slot_id,
        "gemini",
        "gemini-2.5-flash-image",
        "ok",
    )
    assert call["attempts"] == 1 and call["duration_s"] > 0
    [request] = [line for line in _json_lines(web_log) if line.get("job_id") == job_id and "status_code" in line]
    assert (request["slot_id"], request["status_code"]) == (slot_id, 200)
