"""JSON answers for errors Django would otherwise render as HTML."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from photochanger.errors import error_response


@csrf_exempt  # a POST to an unknown API path is a JSON 404, not a CSRF page
def not_found(request: HttpRequest, exception: Exception | None = None, **kwargs: object) -> JsonResponse:
    return error_response(404, "not_found", "Nothing is here.")


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response(500, "internal_error", "Something went wrong on our side.")
