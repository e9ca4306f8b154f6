"""JSON answers for errors Django would otherwise render as HTML, and the throttled admin login."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core.admin_pages import admin_error_page
from core.errors import ApplicationError, error_response
from photochanger.login_throttle import login_attempt


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's own 400s (a Host header not in ALLOWED_HOSTS, a suspicious request) as JSON."""
    return error_response(400, "bad_request", "The request was refused (bad Host header or malformed request).")


@csrf_exempt  # a POST to an unknown API path is a JSON 404, not a CSRF page
def not_found(request: HttpRequest, exception: Exception | None = None, **kwargs: object) -> JsonResponse:
    return error_response(404, "not_found", "Nothing is here.")


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response(500, "internal_error", "Something went wrong on our side.")


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's login, refused (429, like the API's) while this address or username is
    throttled, and (503) while the process checks as many passwords as it may at once."""
    if request.method != "POST":
        return admin.site.login(request)
    try:
        with login_attempt(request=request, username=request.POST.get("username")):
            return admin.site.login(request)
    except ApplicationError as exc:
        title = "Too many failed logins" if exc.status == 429 else "Logins are busy"
        return admin_error_page(request, title=title, message=exc.message, status=exc.status, headers=exc.headers)
