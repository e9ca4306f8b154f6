"""HTTP(S) from the host to the compose stack's Caddy, as booths and browsers would reach it: the
site's name (SITE_HOST) for the TLS handshake and the Host header, the connection to 127.0.0.1 on
the published port, certificates checked against Caddy's internal CA. Used by compose_check.py."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from tests.support.booth import BoothResponse, booth_exchange, booth_fields, multipart_body


@dataclass
class Site:
    """One way in: ``https://SITE_HOST:port`` (TLS checked against ``ca_file``) or ``http://…``."""

    scheme: str
    host: str
    port: int
    ca_file: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def _socket(self, timeout: float) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        if self.scheme != "https":
            return sock
        context = ssl.create_default_context(cafile=self.ca_file)
        return context.wrap_socket(sock, server_hostname=self.host)

    def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None, timeout: float = 60
    ) -> BoothResponse:
        """One request on its own connection; remembers the cookies the site sets (raw headers kept)."""
        started = time.monotonic()
        sock = self._socket(timeout)
        try:
            head = {"Host": f"{self.host}:{self.port}", "Accept": "*/*", "Content-Length": str(len(body))}
            if self.cookies:
                head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            head.update(headers or {})
            lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
            sock.sendall(f"{method} {path} HTTP/1.1\r\n{lines}Connection: close\r\n\r\n".encode() + body)
            response = http.client.HTTPResponse(sock, method=method)
            response.begin()
            payload = response.read()
            set_cookies = response.msg.get_all("Set-Cookie") or []
            for raw in set_cookies:
                for name, morsel in SimpleCookie(raw).items():
                    self.cookies[name] = morsel.value
            return BoothResponse(
                status=response.status,
                headers={k.lower(): v for k, v in response.getheaders()},
                body=payload,
                elapsed=time.monotonic() - started,
                extra={"set_cookie": set_cookies},
            )
        finally:
            sock.close()

    def booth_post(self, path: str, *, photo: bytes, password: str, name: str = "IMG_0003.JPG") -> BoothResponse:
        """Exactly DSLR Remote Pro's request (tests/support/booth.py): its multipart boundary and
        fields, ``Expect: 100-continue``, the body sent after the ``100 Continue``."""
        form = booth_fields(name=name)
        form["password"] = password
        body = multipart_body(form, [("fileToUpload", name, "image/jpeg", photo)])
        started = time.monotonic()
        sock = self._socket(90)
        return booth_exchange(sock, path=path, host=f"{self.host}:{self.port}", body=body, started=started)

    def admin_login(self, username: str, password: str) -> BoothResponse:
        """The admin site's login form as a browser posts it: CSRF cookie and token, Referer."""
        page = self.request("GET", "/admin/login/?next=/admin/")
        if page.status != 200:
            raise AssertionError(f"GET /admin/login/ answered {page.status}")
        token = page.body.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        form = urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
        ).encode()
        answer = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": f"{self.origin}/admin/login/?next=/admin/",
            },
        )
        answer.extra["login_page"] = page
        return answer

    def api_token(self, username: str, password: str) -> str:
        body = json.dumps({"username": username, "password": password}).encode()
        answer = self.request("POST", "/api/auth/token/", body=body, headers={"Content-Type": "application/json"})
        if answer.status != 200:
            raise AssertionError(f"POST /api/auth/token/ answered {answer.status}: {answer.body[:300]!r}")
        return answer.json()["access"]


def path_of(url: str) -> str:
    return urlsplit(url).path
