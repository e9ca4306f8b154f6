"""Django's own error answers (400, 403, 404, 500): the JSON error shape everywhere but inside the
admin site, where a person reads them on the admin's own page; and the throttled admin login."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import DisallowedHost, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.admin_pages import admin_error_page, is_admin_request
from core.errors import ApplicationError, error_response
from photochanger.login_throttle import login_attempt

logger = logging.getLogger(__name__)


def _bad_request_message(exception: Exception | None) -> str:
    if isinstance(exception, TooManyFieldsSent):
        return _("The form has too many fields (at most %(count)s).") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    if isinstance(exception, TooManyFilesSent):
        return _("The form has too many files (at most %(count)s).") % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    if isinstance(exception, MultiPartParserError):
        return _("The form's multipart body could not be read (malformed or without a boundary); send it again.")
    if isinstance(exception, DisallowedHost):
        return _("The Host header names no host this server answers to.")
    return _("The request was refused (bad Host header or malformed request).")


def _error(
    request: HttpRequest, *, status: int, code: str, title: str, message: str, admin_page: bool = True
) -> HttpResponse:
    """The admin's own page for a request inside the admin site (once the user is known: the
    page shows the user's menu), else the JSON error shape. A page that cannot be drawn (the
    database down behind a 500) falls back to JSON."""
    if admin_page and hasattr(request, "user") and is_admin_request(request):
        try:
            return admin_error_page(request, title=title, message=message, status=status)
        except Exception:  # noqa: BLE001 - an error page must never fail in turn
            logger.exception("the admin's error page could not be drawn; answering JSON")
    return error_response(status, code, message)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's own 400s (a Host header not in ALLOWED_HOSTS, a malformed or oversized form)."""
    # A refused Host gets no page: the page's links would be built on that host.
    return _error(
        request,
        status=400,
        code="bad_request",
        title=_("Bad request"),
        message=_bad_request_message(exception),
        admin_page=not isinstance(exception, DisallowedHost),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        status=403,
        code="permission_denied",
        title=_("Permission denied"),
        message=_("Your account may not do this; ask an administrator for the permission."),
    )


@csrf_exempt  # a POST to an unknown API path is a JSON 404, not a CSRF page
def not_found(request: HttpRequest, exception: Exception | None = None, **kwargs: object) -> HttpResponse:
    return _error(request, status=404, code="not_found", title=_("Not found"), message=_("Nothing is here."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request,
        status=500,
        code="internal_error",
        title=_("Server error"),
        message=_("Something went wrong on our side."),
    )


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's login, refused (429, like the API's) while this address or username is
    throttled, and (503) while the process checks as many passwords as it may at once."""
    if request.method != "POST":
        return admin.site.login(request)
    try:
        with login_attempt(request=request, username=request.POST.get("username")):
            return admin.site.login(request)
    except ApplicationError as exc:
        title = _("Too many failed logins") if exc.status == 429 else _("Logins are busy")
        return admin_error_page(request, title=title, message=exc.message, status=exc.status, headers=exc.headers)
