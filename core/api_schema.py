"""OpenAPI pieces shared by every endpoint (the error body and the usual error responses), and the
views serving the schema and its docs."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView


class RevocableJWTScheme(SimpleJWTScheme):
    """The project's JWT authentication is described as simplejwt's (the same bearer token)."""

    target_class = "photochanger.token_auth.RevocableJWTAuthentication"


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "code": serializers.CharField(help_text="snake_case error code"),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    required=False,
                    help_text="Per-field messages, on 422.",
                ),
                "job_id": serializers.UUIDField(required=False),
                "current_version": serializers.IntegerField(required=False, help_text="On a 409 version conflict."),
            },
        )
    },
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


# The responses every authenticated endpoint can give.
AUTH_ERRORS = {
    401: error("No, invalid or expired bearer token."),
    403: error("The token lacks the scope this endpoint needs."),
}


def add_common_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation that takes a body can answer 400
    (malformed JSON or multipart) and 413 (body over the size limit)."""
    error_ref = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" not in operation:
                continue
            for status, text in (("400", "Malformed request body."), ("413", "Request body too large.")):
                operation["responses"].setdefault(
                    status, {"description": text, "content": {"application/json": {"schema": error_ref}}}
                )
    return result


class _JsonErrors(APIView):
    """A refusal (401, 403) is the API's JSON error, not a YAML document or an HTML page."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaApi(_JsonErrors, SpectacularAPIView):
    """The OpenAPI schema (who may read it: SPECTACULAR_SETTINGS' SERVE_PERMISSIONS)."""


class SchemaDocsApi(_JsonErrors, SpectacularSwaggerView):
    """Swagger UI over the schema, its assets served locally."""
