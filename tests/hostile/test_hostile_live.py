"""Hostile requests over real HTTP: oversized bodies are refused without being buffered."""

from __future__ import annotations

import pytest

from jobs.models import Job
from tests.support.booth import BOUNDARY, booth_post_raw, multipart_body

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]

MB = 1024 * 1024


def _multipart_stream(slot, total: int):
    head = multipart_body({"password": slot.secret}, [])[: -len(f"--{BOUNDARY}--\r\n")]
    yield (
        head
        + (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="fileToUpload"; filename="big.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
    )
    chunk = b"\xff" * MB
    for _ in range(total // MB):
        yield chunk


def test_a_declared_100_mb_body_is_refused_before_it_is_sent(live_stack, booth_slot):
    slot = booth_slot()
    response = booth_post_raw(
        f"{live_stack.base_url}/ingest/{slot.id}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {100 * MB}\r\n",
        _multipart_stream(slot, 100 * MB),
    )
    assert response.status == 413
    assert response.extra["sent"] < 30 * MB, "refused from the header, not after reading the body"
    assert not Job.objects.exists()


def test_a_chunked_body_without_length_gets_411_at_once(live_stack, booth_slot):
    slot = booth_slot()

    def chunked():
        for piece in _multipart_stream(slot, 40 * MB):
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        yield b"0\r\n\r\n"

    response = booth_post_raw(
        f"{live_stack.base_url}/ingest/{slot.id}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n",
        chunked(),
    )
    assert response.status == 411
    assert response.json()["error"]["code"] == "length_required"
    assert response.extra["sent"] < 40 * MB
    assert not Job.objects.exists()
