"""Application errors and the one JSON error shape every endpoint answers with:
``{"error": {"code": "<snake_case>", "message": "<text>", ...extra}}``. The ``code`` is a stable
English constant; the ``message`` is in the request's language (photochanger/settings/language.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.utils.translation import gettext as _


class ApplicationError(Exception):
    """An expected failure with an HTTP status, raised by services and rendered by views."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_failed"

    def __init__(self, fields: Mapping[str, list[str]], message: str | None = None) -> None:
        super().__init__(message or _("Some fields are invalid."), extra={"fields": dict(fields)})
        self.fields = dict(fields)


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class ServiceUnavailable(ApplicationError):
    status = 503
    code = "service_unavailable"


class StorageUnavailable(ServiceUnavailable):
    """File storage (S3 or local disk) failed or did not answer in time; raised by the storage
    backends (``media.storage``) in place of the backend's own error, so every caller can tell it
    from a missing file (``FileNotFoundError``) and answer 503."""

    code = "storage_unavailable"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("File storage is unavailable; try again shortly."), headers={"Retry-After": "5"})


class RequestBodyTimeout(SuspiciousOperation):
    """The request body did not arrive within its deadline (photochanger/bodycap.py): 408."""


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JsonResponse:
    response = JsonResponse(error_body(code, message, **extra), status=status)
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def application_error_response(exc: ApplicationError) -> JsonResponse:
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers, **exc.extra)
