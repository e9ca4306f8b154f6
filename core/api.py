"""Admin API plumbing: scope checks and the one JSON error shape for every DRF error."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView
    from rest_framework_simplejwt.tokens import Token as JWT

from core.errors import ApplicationError, RequestBodyTimeout, error_body

SCOPES = (
    "slots:read",
    "slots:create",
    "slots:write",
    "slots:delete",
    "media:read",
    "media:write",
    "media:delete",
    "media:register",
    "jobs:read",
    "jobs:write",
    "results:share",
    "stats:read",
)
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def token_scopes(request: Request) -> set[str]:
    # The only authenticator (RevocableJWTAuthentication) sets a simplejwt token; the stub says authtoken's.
    token = cast("JWT | None", request.auth)
    if token is None:
        return set()
    return set(str(token.get("scope", "")).split())


def required_scope(view: APIView, method: str) -> str | None:
    """The scope a view needs for a method, from ``required_scopes = {"GET": "...", ...}``: one
    scope per method, so no method is allowed by a scope named for another (HEAD and OPTIONS
    read like GET)."""
    scopes: dict[str, str] = getattr(view, "required_scopes", {}) or {}
    if method in scopes:
        return scopes[method]
    return scopes.get("GET") if method in READ_METHODS else None


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"


class HasScope(BasePermission):
    """Authenticated by a JWT that carries the scope this endpoint and method need.

    A view that declares no scope for a method is refused (fails closed), so a new endpoint
    cannot be public by accident; public views say so with ``permission_classes = [AllowAny]``.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.auth is None:
            raise exceptions.NotAuthenticated()
        scope = required_scope(view, request.method or "")
        if scope is None or scope not in token_scopes(request):
            raise InsufficientScope(f"This endpoint needs the '{scope}' scope." if scope else "No scope allows this.")
        return True


class SchemaViewer(BasePermission):
    """The API's schema and docs: for a valid bearer token (any scope) or an admin-site session of
    a staff user (the docs page is opened in a browser, which sends the session cookie)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if request.auth is not None or (user.is_active and user.is_staff):
            return True
        raise exceptions.PermissionDenied("The API's description is for staff users.")


ERROR_CODES = {
    exceptions.ParseError: "bad_request",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.NotAuthenticated: "not_authenticated",
    InsufficientScope: "insufficient_scope",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field.sub": ["message", ...]}``."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" and not prefix else f"{prefix}{key}"
            out.update(_flatten(value, f"{name}."))
        return out
    if isinstance(detail, list) and detail and all(not isinstance(item, (dict, list)) for item in detail):
        return {prefix.rstrip(".") or "non_field_errors": [str(item) for item in detail]}
    if isinstance(detail, list):
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}{index}."))
        return out
    return {prefix.rstrip(".") or "non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, **exc.extra), status=exc.status, headers=exc.headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestBodyTimeout):
        return Response(error_body("request_timeout", str(exc)), status=408, headers={"Connection": "close"})
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body("request_too_large", "The request body is too large."), status=413)
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            error_body("validation_failed", "Some fields are invalid.", fields=_flatten(exc.detail)),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        view = context.get("view")
        authenticate_header = view.get_authenticate_header(context["request"]) if view else None
        headers["WWW-Authenticate"] = authenticate_header or 'Bearer realm="api"'
        exc.status_code = status.HTTP_401_UNAUTHORIZED
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = str(int(wait))
    default_code: str = getattr(exc, "default_code", "error")
    code = (
        next((c for cls, c in ERROR_CODES.items() if type(exc) is cls), None)
        or next((c for cls, c in ERROR_CODES.items() if isinstance(exc, cls)), None)
        or default_code
    )
    detail = exc.detail
    if isinstance(detail, dict) and "detail" in detail:
        detail = detail["detail"]  # simplejwt's errors: {"detail": ..., "code": ..., "messages": [...]}
    message = detail if isinstance(detail, str) else str(detail)
    return Response(error_body(code, message), status=exc.status_code, headers=headers)


class ApiPagination(LimitOffsetPagination):
    """PAGE_SIZE items a page; ``?limit=`` asks for more, up to ``max_limit`` (a bigger limit gets
    ``max_limit`` items: a huge one would otherwise load the whole table, or overflow PostgreSQL's
    bigint LIMIT into a 500)."""

    max_limit = 200


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class SizeLimitedJSONParser(JSONParser):
    """JSON bodies past DATA_UPLOAD_MAX_MEMORY_SIZE are refused before they are read or parsed
    (DRF reads the stream itself, so Django's own limit never applies to them)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestTooLarge()
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:  # '[' * 100000 fits the size cap; Python's parser recurses per level
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


class FileOrJsonErrorNegotiation(BaseContentNegotiation):
    """For endpoints that answer a file (a FileResponse, which bypasses renderers) or a JSON error:
    the client's Accept header is ignored, so a fetcher asking for ``Accept: image/*`` gets the
    image (or the JSON error), never a 406."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = list(renderers)[0]
        return renderer, renderer.media_type
