"""One cap on every request body, applied before anything reads it.

Django reads a body when someone first touches ``request.POST``/``request.body``, and that someone
is often not the view: the CSRF check reads the admin login's form before authentication, DRF's
parsers read a token request before its serializer looks at a field. So the cap is decided per
view, before any of them runs (``process_view``, placed before ``CsrfViewMiddleware``):

- views that take a photo or a template say so with :func:`accepts_uploads` and get
  ``UPLOAD_MAX_BYTES`` plus room for the multipart framing and the booth's text fields;
- every other view gets ``REQUEST_BODY_MAX_BYTES`` (small: forms and JSON).

A declared ``Content-Length`` over the cap is answered 413 at once, without reading a byte; a body
without a length (chunked) is refused with 411, because Django would otherwise read it as empty and
the client would get a misleading "field missing". The stream is also wrapped, so no code path can
read past the cap even if the length lied. Answers are the API's JSON error, or the admin's own
page for admin URLs.

The admin's upload pages take a file only from a logged-in staff user: the CSRF check reads the
form before the admin's own login check, so anyone else gets the small cap there.

A body must also arrive in time: a client that sends its headers and then trickles (or stops
sending) the body would hold a web thread for as long as it likes. Under gunicorn the socket gets
a deadline for the whole body (REQUEST_BODY_READ_SECONDS, or T_SYNC_RESPONSE for uploads: a photo
that arrives later could not be answered anyway); past it the request gets 408. Slow *headers* are
the reverse proxy's to cut (docs/operations.md, "Security").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch
from django.utils.translation import gettext as _

from core.admin_pages import admin_error_page, is_admin_request
from core.errors import RequestBodyTimeout, error_response

# Room for the multipart framing and the booth's text fields on top of the photo itself.
MULTIPART_OVERHEAD = 512 * 1024

View = Callable[..., Any]


def accepts_uploads(view: View) -> View:
    """Mark a view (function, class or admin view wrapper) as taking a file upload."""
    view.accepts_uploads = True  # type: ignore[attr-defined]
    return view


def accepts_file(view: View) -> bool:
    classes = (getattr(view, attr, None) for attr in ("view_class", "cls"))
    return getattr(view, "accepts_uploads", False) or any(getattr(cls, "accepts_uploads", False) for cls in classes)


def takes_file_here(request: HttpRequest, view: View) -> bool:
    if not accepts_file(view):
        return False
    if is_admin_request(request):  # only staff reach the admin's forms; anyone else gets a login page
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_active and user.is_staff)
    return True


def body_cap_for(request: HttpRequest, view: View) -> int:
    if takes_file_here(request, view):
        return settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD
    return settings.REQUEST_BODY_MAX_BYTES


class CappedStream:
    """Reads at most ``cap`` bytes from ``stream``; one more raises ``RequestDataTooBig``. With a
    ``socket``, every read must finish by ``deadline`` (monotonic), or ``RequestBodyTimeout``."""

    def __init__(self, stream: Any, cap: int, *, socket: Any = None, deadline: float | None = None) -> None:
        self.stream, self.remaining = stream, cap
        self.socket, self.deadline = socket, deadline

    def _bounded(self, read: Callable[[int], bytes], limit: int) -> bytes:
        if self.socket is None or self.deadline is None:
            return read(limit)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RequestBodyTimeout("The request body did not arrive in time.")
        self.socket.settimeout(left)
        try:
            return read(limit)
        except TimeoutError as exc:  # socket.timeout
            raise RequestBodyTimeout("The request body did not arrive in time.") from exc

    def _take(self, data: bytes) -> bytes:
        self.remaining -= len(data)
        if self.remaining < 0:
            raise RequestDataTooBig("The request body is larger than this endpoint accepts.")
        return data

    def read(self, size: int = -1) -> bytes:
        limit = self.remaining + 1 if size is None or size < 0 else min(size, self.remaining + 1)
        return self._take(self._bounded(self.stream.read, limit))

    def readline(self, size: int = -1) -> bytes:
        limit = self.remaining + 1 if size is None or size < 0 else min(size, self.remaining + 1)
        return self._take(self._bounded(self.stream.readline, limit))

    def __iter__(self):
        return iter(self.readline, b"")

    def __getattr__(self, name: str) -> Any:  # close() and the rest, as the wrapped stream has them
        return getattr(self.stream, name)


def upload_too_large_message(noun: str = "file") -> str:
    """What every upload over UPLOAD_MAX_BYTES is told (``noun``: "file", or "photo" for a booth's)."""
    limit = f"{settings.UPLOAD_MAX_BYTES / 2**20:g}"
    if noun == "photo":
        return _("The photo is larger than the %(limit)s MB limit.") % {"limit": limit}
    return _("The file is larger than the %(limit)s MB limit.") % {"limit": limit}


def too_large_response(request: HttpRequest, view: View) -> HttpResponse:
    if takes_file_here(request, view):
        code, message = "file_too_large", upload_too_large_message()
    else:
        code = "request_too_large"
        message = _("The request body is larger than %(limit)s bytes.") % {"limit": settings.REQUEST_BODY_MAX_BYTES}
    if is_admin_request(request):
        return admin_error_page(request, title=_("Request too large"), message=message, status=413)
    return error_response(413, code, message)


def body_timeout_response(request: HttpRequest) -> HttpResponse:
    message = _("The request body did not arrive in time; send it again.")
    if is_admin_request(request):
        return admin_error_page(request, title=_("Request timeout"), message=message, status=408)
    return error_response(408, "request_timeout", message, headers={"Connection": "close"})


def length_required_response(request: HttpRequest) -> HttpResponse:
    message = _("Send the body with a Content-Length header (chunked bodies are not accepted).")
    if is_admin_request(request):
        return admin_error_page(request, title=_("Length required"), message=message, status=411)
    return error_response(411, "length_required", message)


class BodyCapMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: View, args: Any, kwargs: Any) -> HttpResponse | None:
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return length_required_response(request)
        cap = body_cap_for(request, view)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "bad_request", _("Invalid Content-Length header."))
        if declared > cap:
            return too_large_response(request, view)
        if hasattr(request, "_stream"):
            budget = settings.T_SYNC_RESPONSE if takes_file_here(request, view) else settings.REQUEST_BODY_READ_SECONDS
            # The stub types the private _stream as BinaryIO; Django only reads from it (read, readline, iter).
            request._stream = CappedStream(  # type: ignore[assignment]
                request._stream,
                cap,
                socket=request.META.get("gunicorn.socket"),
                deadline=time.monotonic() + budget,
            )
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            # Raised by the resolved view (or its request.body), so the request has its match.
            return too_large_response(request, cast(ResolverMatch, request.resolver_match).func)
        if isinstance(exception, RequestBodyTimeout):
            return body_timeout_response(request)
        return None
