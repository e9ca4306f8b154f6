"""A client that speaks exactly like DSLR Remote Pro 3.30.2 (captured request), over a raw socket:
its multipart boundary style, its text fields, ``Expect: 100-continue`` and the body sent only
after the server's ``100 Continue``."""

from __future__ import annotations

import http.client
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BOUNDARY = "------------090306000104030805010400"


def booth_fields(**overrides: str) -> dict[str, str]:
    fields = {
        "time": str(int(time.time())),
        "user_id": "42",
        "id": "7",
        "profile": "Wedding",
        "status": "0",
        "hash": "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "name": "IMG_0003.JPG",
        "model": "Windows",
        "version": "3.30.2",
    }
    fields.update(overrides)
    return fields


def multipart_body(fields: dict[str, str], files: list[tuple[str, str, str, bytes]], boundary: str = BOUNDARY) -> bytes:
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field_name, filename, content_type, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


@dataclass
class BoothResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float
    got_continue: bool = False
    extra: dict = field(default_factory=dict)

    def json(self):
        import json

        return json.loads(self.body)


def booth_post(
    url: str,
    *,
    photo: bytes | None,
    password: str | None,
    fields: dict[str, str] | None = None,
    filename: str = "IMG_0003.JPG",
    content_type: str = "image/jpeg",
    file_field: str = "fileToUpload",
    timeout: float = 30.0,
) -> BoothResponse:
    form = booth_fields() if fields is None else dict(fields)
    if password is not None:
        form["password"] = password
    files = [(file_field, filename, content_type, photo)] if photo is not None else []
    body = multipart_body(form, files)
    parts = urlsplit(url)
    started = time.monotonic()
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
    return booth_exchange(sock, path=parts.path, host=parts.netloc, body=body, started=started)


def booth_exchange(sock: socket.socket, *, path: str, host: str, body: bytes, started: float) -> BoothResponse:
    """DSLR Remote Pro's side of one upload on an open connection (plain or TLS): the head with
    ``Expect: 100-continue``, the body after the ``100 Continue`` (or its wait), the answer. Closes
    the connection."""
    try:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            "Expect: 100-continue\r\n\r\n"
        )
        sock.sendall(head.encode())
        got_continue = _await_continue(sock)
        sock.sendall(body)
        response = http.client.HTTPResponse(sock, method="POST")
        response.begin()
        payload = response.read()
        return BoothResponse(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=payload,
            elapsed=time.monotonic() - started,
            got_continue=got_continue,
        )
    finally:
        sock.close()


def _await_continue(sock: socket.socket) -> bool:
    """Like curl: wait up to a second for ``100 Continue``, then send the body regardless."""
    previous = sock.gettimeout()
    sock.settimeout(1.0)
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(1)
            if not chunk:
                break
            data += chunk
        return data.startswith(b"HTTP/1.1 100")
    except TimeoutError:
        return False
    finally:
        sock.settimeout(previous)


def booth_post_raw(url: str, head_extra: str, body_parts, *, timeout: float = 30.0) -> BoothResponse:
    """Send a request head and then body chunks (an iterable of bytes) as they come; for oversized
    and chunked bodies. Stops sending as soon as the server has answered."""
    parts = urlsplit(url)
    started = time.monotonic()
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
    try:
        sock.sendall(f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head_extra}\r\n".encode())
        sock.setblocking(False)
        sent = 0
        for chunk in body_parts:
            try:
                if sock.recv(1, socket.MSG_PEEK):
                    break  # the server answered early
            except BlockingIOError:
                pass
            try:
                sock.setblocking(True)
                sock.sendall(chunk)
                sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            finally:
                sock.setblocking(False)
        sock.setblocking(True)
        response = http.client.HTTPResponse(sock, method="POST")
        response.begin()
        return BoothResponse(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=response.read(),
            elapsed=time.monotonic() - started,
            extra={"sent": sent},
        )
    finally:
        sock.close()
