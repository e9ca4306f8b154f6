"""JSON answers for errors Django would otherwise render as HTML."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from photochanger.errors import error_response


def not_found(request: HttpRequest, exception: Exception | None = None, **kwargs: object) -> JsonResponse:
    return error_response(404, "not_found", "Nothing is here.")


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response(500, "internal_error", "Something went wrong on our side.")
