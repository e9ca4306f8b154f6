"""Every request body is capped before anyone reads it: 413 from the declared length (JSON, or
the admin's own page), 411 for chunked bodies, and no parser reads past the cap."""

from __future__ import annotations

import io
import socket
import time

import pytest
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.bodycap import CappedStream
from core.errors import RequestBodyTimeout
from tests.support import images

HUGE = str(300 * 1024 * 1024)  # declared, never sent: the test client's payload is small


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/auth/token/", "request_too_large"),
        ("/api/auth/token/refresh/", "request_too_large"),
        ("/api/slots/", "request_too_large"),
        ("/api/template-media/register", "file_too_large"),
        ("/api/media/register", "file_too_large"),
        ("/ingest/abc", "file_too_large"),
    ],
)
def test_a_huge_declared_body_is_refused_before_it_is_read(client, path, code):
    upload = SimpleUploadedFile("a.jpg", images.jpeg(), content_type="image/jpeg")
    response = client.post(path, {"username": "a", "password": "b", "file": upload}, CONTENT_LENGTH=HUGE)
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == code


@pytest.mark.django_db
def test_a_form_past_the_small_cap_is_refused_where_no_file_is_expected(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 64 * 1024
    body = {"username": "a", "password": "x" * (80 * 1024)}
    response = client.post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


@pytest.mark.django_db
def test_the_token_views_take_json_only(client):
    response = client.post("/api/auth/token/", {"username": "a", "password": "b"})  # multipart
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_the_admin_login_refuses_a_huge_body_with_its_own_page_even_with_a_csrf_cookie():
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    response = client.post(
        "/admin/login/", {"username": "a", "password": "b", "csrfmiddlewaretoken": "a" * 32}, CONTENT_LENGTH=HUGE
    )
    assert response.status_code == 413
    assert b"Request too large" in response.content
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_admin_template_upload_is_capped_at_the_upload_limit(admin_client, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("a.jpg", images.jpeg(), content_type="image/jpeg")
    declared = str(settings.UPLOAD_MAX_BYTES + 600 * 1024)
    response = admin_client.post("/admin/media/templatemedia/add/", {"file": upload}, CONTENT_LENGTH=declared)
    assert response.status_code == 413
    assert b"Request too large" in response.content


@pytest.mark.django_db
def test_a_chunked_body_gets_411(client):
    response = client.post("/api/auth/token/", b"{}", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411
    assert response.json()["error"]["code"] == "length_required"


def test_the_capped_stream_refuses_to_read_past_its_cap():
    stream = CappedStream(io.BytesIO(b"x" * 100), cap=10)
    assert stream.read(4) == b"xxxx"
    with pytest.raises(RequestDataTooBig):
        stream.read()


@pytest.mark.pipeline
def test_the_live_server_answers_413_without_reading_a_huge_unauthenticated_upload(live_stack):
    host, port = live_stack.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/auth/token/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: " + HUGE.encode() + b"\r\n\r\n"
        )
        started = time.monotonic()
        sock.sendall(b"x" * 65536)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5


@pytest.mark.django_db
def test_an_anonymous_post_to_an_admin_upload_page_gets_the_small_cap():
    """The admin checks the login after the CSRF check has read the form: only staff may send a file."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    declared = str(4 * 1024 * 1024)
    response = client.post(
        "/admin/media/templatemedia/add/", {"csrfmiddlewaretoken": "a" * 32}, CONTENT_LENGTH=declared
    )
    assert response.status_code == 413


class _StalledSocket:
    """A client that sent its headers and then stopped sending the body."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    def settimeout(self, value: float | None) -> None:
        self.timeouts.append(value)


def test_a_body_that_stops_arriving_ends_at_its_deadline():
    sock = _StalledSocket()

    class Stalled(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise TimeoutError("timed out")  # what the socket raises once its timeout passes

    stream = CappedStream(Stalled(), cap=1000, socket=sock, deadline=time.monotonic() + 2)
    with pytest.raises(RequestBodyTimeout):
        stream.read(10)
    assert 0 < sock.timeouts[0] <= 2


def test_a_body_past_its_deadline_is_not_read_at_all():
    stream = CappedStream(io.BytesIO(b"x" * 10), cap=1000, socket=_StalledSocket(), deadline=time.monotonic() - 1)
    with pytest.raises(RequestBodyTimeout):
        stream.read()


@pytest.mark.pipeline
def test_a_client_that_trickles_its_body_gets_408_and_frees_the_thread(live_stack):
    """Slowloris on the body: headers, one byte, then silence. The live stack's deadline is 3 s."""
    host, port = live_stack.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(
            b"POST /api/auth/token/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        started = time.monotonic()
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - started < 8
