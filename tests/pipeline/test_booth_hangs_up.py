"""A booth whose own timeout is shorter than the wait hangs up; its answer is never printed. A real
client closes its connection against the live gunicorn, and the job records it."""

from __future__ import annotations

import socket
import struct
import time
from urllib.parse import urlsplit

import pytest

from jobs.models import Job, JobStatus
from tests.support import images
from tests.support.booth import BOUNDARY, booth_fields, booth_post, multipart_body
from tests.support.stack import ARTIFACTS

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _post_and_hang_up(
    url: str, *, password: str, after: float, reset: bool = False, photo: bytes | None = None
) -> None:
    """Send a booth's photo like DSLR Remote Pro, then close the connection after ``after`` seconds
    without reading the answer (``reset``: abort it, as a killed process does)."""
    body = multipart_body(
        {**booth_fields(), "password": password}, [("fileToUpload", "a.jpg", "image/jpeg", photo or images.jpeg())]
    )
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    sock.sendall(
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(body)}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n".encode()
        + body
    )
    time.sleep(after)
    if reset:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _settled(slot, timeout: float = 8.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.filter(slot=slot).first()
        if job is not None and job.is_final and job.booth_disconnected_at is not None:
            return job
        time.sleep(0.1)
    return Job.objects.get(slot=slot)


def _request_log_lines(job: Job) -> list[str]:
    return [line for line in (ARTIFACTS / "local-web.log").read_text().splitlines() if str(job.id) in line]


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_booth_that_hung_up_before_its_answer_is_recorded_on_the_job_not_logged_as_200(live_stack, booth_slot, reset):
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 1.2})

    _post_and_hang_up(f"{live_stack.base_url}/ingest/{slot.id}", password=slot.secret, after=0.4, reset=reset)

    job = _settled(slot)
    assert job.booth_disconnected_at is not None
    assert job.booth_disconnected_at >= job.finished_at, "noticed when its answer was ready"
    assert job.status == JobStatus.COMPLETED, "the result is kept (a resend gets it)"
    time.sleep(0.3)  # the request line is written as the request ends
    lines = _request_log_lines(job)
    assert any('"ingest POST 499"' in line for line in lines), lines
    assert not any('"ingest POST 200"' in line for line in lines), lines


def test_a_booth_that_hung_up_gets_no_fallback_recorded_as_served(live_stack, booth_slot):
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30}, on_failure="original")

    _post_and_hang_up(f"{live_stack.base_url}/ingest/{slot.id}", password=slot.secret, after=0.4)

    job = _settled(slot)
    assert job.booth_disconnected_at is not None
    assert job.status == JobStatus.FAILED_TIMEOUT
    assert job.fallback_at is None, "nobody printed it"


def test_a_booth_that_waits_is_not_recorded_as_disconnected(live_stack, booth_slot):
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 1.2})

    response = booth_post(f"{live_stack.base_url}/ingest/{slot.id}", photo=images.jpeg(), password=slot.secret)

    assert response.status == 200
    assert Job.objects.get(id=response.headers["x-job-id"]).booth_disconnected_at is None
