"""Faults behind the API: the booth always gets a clear answer by T_SYNC_RESPONSE + 1 s, every job
ends in a final state with a reason, and no temporary file survives."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from jobs.models import Job, JobStatus
from photochanger.celery import app as celery_app
from tests.support import images
from tests.support.booth import booth_fields, booth_post
from tests.support.gemini_stub import malformed
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.pipeline, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _post(stack, slot, **kwargs):
    return booth_post(f"{stack.base_url}/ingest/{slot.id}", photo=images.jpeg(), password=slot.secret, **kwargs)


def _in_background(target) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["response"] = target()
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _processing_job(slot, timeout: float = 5.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.filter(slot=slot, status=JobStatus.PROCESSING).first()
        if job:
            return job
        time.sleep(0.05)
    raise AssertionError("no job reached processing")


def _pool_pid(stack, job: Job) -> int:
    for _ in range(50):
        active = celery_app.control.inspect(destination=[stack.worker_name], timeout=0.5).active() or {}
        for task in active.get(stack.worker_name, []):
            if task["id"] == job.celery_task_id:
                return task["worker_pid"]
    raise AssertionError("task not active")


def _final(job: Job, timeout: float) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_final:
            return job
        time.sleep(0.1)
    return job


def test_provider_returning_garbage_gets_502_before_the_deadline(live_stack, booth_slot, gemini):
    gemini.default = malformed()
    slot = booth_slot(provider="gemini", operation="edit", params={"prompt": "x"})

    response = _post(live_stack, slot)

    assert response.status == 502
    assert response.elapsed <= settings.T_SYNC_RESPONSE + 1
    assert Job.objects.get(slot=slot).status == JobStatus.FAILED_PROVIDER


def test_worker_killed_mid_call_gets_504_by_the_deadline(live_stack, booth_slot, stored_files):
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30})
    thread, outcome = _in_background(lambda: _post(live_stack, slot))
    job = _processing_job(slot)

    os.kill(_pool_pid(live_stack, job), signal.SIGKILL)
    thread.join(timeout=settings.T_SYNC_RESPONSE + 5)

    response = outcome["response"]
    assert response.status == 504
    assert response.elapsed <= settings.T_SYNC_RESPONSE + 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED_TIMEOUT


def test_a_stray_revoke_signal_does_not_abort_a_job_it_was_not_meant_for(private_stack, booth_slot, tmp_path):
    """Celery warns that terminate can hit a process that moved on to another task. Deliver the
    revoke's signal (SIGUSR1) to the process running a live, in-time job: the job survives."""
    stack = private_stack("stray", T_SYNC_RESPONSE="8")
    probe = tmp_path / "probe.txt"
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 1.5})
    thread, outcome = _in_background(lambda: _post(stack, slot, fields=booth_fields(probe=str(probe))))
    deadline = time.monotonic() + 5
    while "started" not in (probe.read_text() if probe.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.02)
    pool_pid = int(probe.read_text().split("pid=")[1].split()[0])  # the provider wrote it as it started

    os.kill(pool_pid, signal.SIGUSR1)
    thread.join(timeout=15)

    assert outcome["response"].status == 200
    assert "interrupted:SoftTimeLimitExceeded" in probe.read_text()
    assert probe.read_text().strip().endswith("finished")
    assert Job.objects.get(slot=slot).status == JobStatus.COMPLETED


def test_web_process_killed_while_a_booth_waits_still_ends_the_job(private_stack, booth_slot, stored_files):
    stack = private_stack("webkill", T_SYNC_RESPONSE="2")
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30})
    thread, outcome = _in_background(lambda: _post(stack, slot))
    job = _processing_job(slot)

    with open(f"/proc/{stack.web.pid}/task/{stack.web.pid}/children") as children:
        web_workers = [int(pid) for pid in children.read().split()]
    for pid in web_workers:
        os.kill(pid, signal.SIGKILL)
    thread.join(timeout=10)

    assert "error" in outcome or outcome["response"].status >= 500
    # Nobody waits any more: the task's own time limit (deadline + 1 s) ends the job.
    job = _final(job, timeout=settings.T_SYNC_RESPONSE + 6)
    assert job.status == JobStatus.FAILED_TIMEOUT
    assert stored_files("inputs/", settled=True) == []


def test_no_worker_at_all_gets_503_at_once_not_at_the_deadline(private_stack, booth_slot, stored_files):
    stack = private_stack("noworker", worker=False, T_SYNC_RESPONSE="20")
    slot = booth_slot(operation="sepia")

    response = _post(stack, slot)

    assert response.status == 503
    assert response.json()["error"]["code"] == "no_workers"
    assert response.headers["retry-after"]
    assert response.elapsed < 2
    assert not Job.objects.exists()
    assert stored_files() == []


def test_redis_down_before_the_request_gets_503_and_leaves_no_job(private_stack, private_redis, booth_slot):
    stack = private_stack("redisdown")
    slot = booth_slot(operation="sepia")
    private_redis.stop()

    response = _post(stack, slot)

    assert response.status == 503
    assert response.json()["error"]["code"] == "queue_unavailable"
    assert response.elapsed < 5
    assert not Job.objects.filter(status__in=["pending", "processing"]).exists()


def test_redis_dying_while_the_booth_waits_gets_503_by_the_deadline(
    private_stack, private_redis, booth_slot, stored_files
):
    stack = private_stack("redisdies", T_SYNC_RESPONSE="3")
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30})
    thread, outcome = _in_background(lambda: _post(stack, slot))
    job = _processing_job(slot)

    private_redis.stop()
    thread.join(timeout=10)

    response = outcome["response"]
    assert response.status == 503
    assert response.json()["error"]["code"] == "queue_unavailable"
    assert response.elapsed <= 3 + 1
    job = _final(job, timeout=5)
    assert (job.status, job.failure_code) == (JobStatus.FAILED_TIMEOUT, "queue_unavailable")
    assert stored_files("inputs/", settled=True) == []


def test_database_unreachable_gets_503_with_a_clear_body(private_stack, booth_slot, stored_files):
    db = connection.settings_dict
    proxy = TcpProxy(int(db.get("PORT") or 5432))
    url = f"postgres://{db.get('USER') or 'postgres'}@127.0.0.1:{proxy.port}/{db['NAME']}"
    stack = private_stack("dbdown", DATABASE_URL=url)
    slot = booth_slot(operation="sepia")
    assert _post(stack, slot).status == 200
    assert stored_files("inputs/", settled=True) == []

    proxy.stop()
    response = _post(stack, slot)

    assert response.status == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.elapsed < 5
    assert Job.objects.filter(slot=slot).count() == 1, "nothing half-written"
    assert stored_files("inputs/") == []
