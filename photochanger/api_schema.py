"""OpenAPI pieces shared by every endpoint: the error body and the usual error responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

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
ERROR_RESPONSE = ErrorSerializer


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


# The responses every authenticated endpoint can give.
AUTH_ERRORS = {
    401: error("No, invalid or expired bearer token."),
    403: error("The token lacks the scope this endpoint needs."),
}
