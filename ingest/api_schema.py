"""The booth endpoint in the OpenAPI schema.

``POST /ingest/{slot_id}`` is a plain Django view (``ingest.apis.IngestApi``: it streams the
upload under a cap and answers with image bytes), which drf-spectacular does not list. A
preprocessing hook adds it as ``IngestSchemaView``: a DRF view that is never routed and only
carries the description, so the served view stays exactly as it is. The statuses are the table
in docs/api.md ("Ingest"), which a test keeps in step with this one.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_schema import error
from ingest.urls import INGEST_ROUTE

INGEST_PATH = "/ingest/{slot_id}"

IngestUpload = inline_serializer(
    name="IngestUpload",
    fields={
        "fileToUpload": serializers.FileField(
            help_text="The photo: JPEG, PNG, WebP, HEIC/HEIF or AVIF (the first file under any name is taken if this "
            "one is missing)."
        ),
        "password": serializers.CharField(
            required=False,
            help_text="The slot password (DSLR Remote Pro sends it here); or the X-Slot-Password header, or HTTP "
            "Basic.",
        ),
    },
)

_IMAGE = OpenApiResponse(
    response=OpenApiTypes.BINARY,
    description="The processed photo. Headers: `Content-Type`, `Content-Length`, `X-Job-Id`, "
    "`Cache-Control: no-store`. Or the slot's fallback print (its `on_failure` is not `error`) when the job "
    "failed or had no result by `answer_by`, with `X-PhotoChanger-Fallback: <failure code or answer_by>`.",
)

INGEST_RESPONSES: dict[Any, Any] = {
    (200, "image/jpeg"): _IMAGE,
    (200, "image/png"): _IMAGE,
    (200, "image/webp"): _IMAGE,
    400: error(
        "`no_file`, `too_many_files`, `bad_request` (not multipart, malformed, thousands of fields); "
        "`invalid_idempotency_key` (longer than 200 characters or not printable ASCII)."
    ),
    401: error("`invalid_password`: missing or wrong password, or rotated during the upload."),
    402: error(
        "`budget_exhausted`: the slot's budget cap (`budget_daily` or `budget_total`) is reached, so no paid "
        "provider call was made, and the slot has no fallback print (with one, the booth gets it: 200 with "
        "`X-PhotoChanger-Fallback: budget_exhausted`). No `Retry-After`: it passes when an operator raises the "
        "budget, or at 00:00 UTC for the daily one."
    ),
    403: error("`slot_disabled`: the slot is disabled (no job is queued)."),
    404: error("`slot_not_found`: unknown or malformed slot id, or deleted during the upload."),
    409: error(
        "`cancelled`: an admin cancelled the job while the booth waited; `photo_in_progress` (with "
        "`Retry-After`): the same photo raced in from a resend whose job ended meanwhile."
    ),
    411: error("`length_required`: a chunked body without `Content-Length`."),
    413: error("`file_too_large`: over `UPLOAD_MAX_BYTES`, or text fields over 256 KB."),
    415: error(
        "`unsupported_media_type`: empty, not a decodable JPEG/PNG/WebP/HEIC/HEIF/AVIF, too many pixels, a "
        "decompression bomb."
    ),
    422: error("`idempotency_key_reused`: this slot used the key for another photo within the window."),
    429: error(
        "`too_many_failed_passwords`, `slot_busy`, `too_many_retries` (with `Retry-After`; `job_id` on "
        "`too_many_retries`)."
    ),
    502: error(
        "`provider_error`, `provider_quota`, `provider_refused`, `internal_error`, `input_missing`, "
        "`template_missing`; `provider_unavailable`: every model the slot may use is switched off by the "
        "circuit breaker."
    ),
    503: error(
        "`queue_unavailable`, `no_workers`, `database_unavailable`, `image_checks_busy`, `storage_unavailable` "
        "(with `Retry-After` where docs/api.md says so)."
    ),
    504: error("`failed_timeout`: no result by `T_SYNC_RESPONSE`; the job's task is revoked."),
}


class IngestSchemaView(APIView):
    """Never routed: describes ``ingest.apis.IngestApi`` to drf-spectacular."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="ingest_photo",
        summary="Booth: send a photo, get the processed photo back in the same response",
        description="`multipart/form-data` with one image and the slot password (form field `password`, header "
        "`X-Slot-Password` or HTTP Basic). A trailing slash is accepted; a POST is never redirected. A resend of "
        "the same photo within `IDEMPOTENCY_WINDOW_SECONDS` never starts a second provider call. Any other "
        "form field is a booth field (e.g. `name`) the slot's prompt may use.",
        tags=["ingest"],
        # Security requirement objects, which drf-spectacular passes through (its hint says str).
        auth=[{"slotPasswordHeader": []}, {"slotPasswordBasic": []}, {}],  # type: ignore[list-item]
        parameters=[
            OpenApiParameter("slot_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The slot's id."),
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="Names one photo: a resend with the same key waits on (or gets) the first one's result; "
                "the same key with other bytes is refused (422). At most 200 printable ASCII characters.",
            ),
        ],
        request={"multipart/form-data": IngestUpload},
        responses=INGEST_RESPONSES,
    )
    def post(self, request: Request, slot_id: str) -> Response:  # pragma: no cover - never routed
        raise NotImplementedError("schema only: the booth endpoint is ingest.apis.IngestApi")


def add_ingest_endpoint(endpoints: list[tuple[str, str, str, Any]], **kwargs: Any) -> list[tuple[str, str, str, Any]]:
    """drf-spectacular preprocessing hook: list the booth endpoint with the API's."""
    return [*endpoints, (INGEST_PATH, INGEST_ROUTE, "POST", IngestSchemaView.as_view())]
