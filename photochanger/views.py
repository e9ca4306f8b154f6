"""JSON answers for errors Django would otherwise render as HTML, and the throttled admin login."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from photochanger.errors import ApplicationError, application_error_response, error_response
from photochanger.login_throttle import login_throttle_check


@csrf_exempt  # a POST to an unknown API path is a JSON 404, not a CSRF page
def not_found(request: HttpRequest, exception: Exception | None = None, **kwargs: object) -> JsonResponse:
    return error_response(404, "not_found", "Nothing is here.")


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response(500, "internal_error", "Something went wrong on our side.")


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's login, refused (429, like the API's) while this address or username is
    throttled; wrong passwords are counted by the ``user_login_failed`` receiver."""
    if request.method == "POST":
        try:
            login_throttle_check(request=request, username=request.POST.get("username"))
        except ApplicationError as exc:
            return application_error_response(exc)
    return admin.site.login(request)
