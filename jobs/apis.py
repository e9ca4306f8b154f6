"""Jobs and results admin API (``/api/jobs/...``) and the public signed result link (``/r/...``)."""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import FileOrJsonErrorNegotiation
from core.api_schema import AUTH_ERRORS, error
from jobs.models import JobStatus
from jobs.result_links import result_share_link_create, result_share_links_revoke
from jobs.selectors import ServableResult, job_get, job_list, result_get_servable, result_get_servable_by_link
from jobs.serializers import (
    JobDetailOutputSerializer,
    JobListOutputSerializer,
    ResultLinkInputSerializer,
    ResultLinkOutputSerializer,
)
from jobs.services import job_cancel

IMAGE_RESPONSE = {(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The result image.")}
JOB_NOT_FOUND = error("No job has this id.")


def result_file_response(servable: ServableResult) -> FileResponse:
    response = FileResponse(
        servable.file, content_type=servable.result.content_type, filename=servable.filename, as_attachment=False
    )
    if not response.has_header("Content-Length"):
        response["Content-Length"] = str(servable.result.size)
    # Results are people's photos: no shared cache may keep one past its expiry.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@extend_schema(
    tags=["jobs"],
    summary="List jobs, newest first",
    parameters=[
        OpenApiParameter("slot", OpenApiTypes.UUID, description="Only this slot's jobs."),
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=JobStatus.values,
            many=True,
            explode=True,
            description="One or more statuses: repeat the parameter or separate values with commas.",
        ),
        OpenApiParameter("created_after", OpenApiTypes.DATETIME, description="created_at >= this (ISO 8601)."),
        OpenApiParameter("created_before", OpenApiTypes.DATETIME, description="created_at < this (ISO 8601)."),
    ],
    responses={200: JobListOutputSerializer(many=True), 422: error("An invalid filter value."), **AUTH_ERRORS},
)
class JobListApi(ListAPIView):
    required_scopes = {"GET": "jobs:read"}
    serializer_class = JobListOutputSerializer
    # job_list applies the FilterSet itself (and turns bad values into 422).
    filter_backends: list = []

    def get_queryset(self):
        return job_list(filters=self.request.query_params)


class JobDetailApi(APIView):
    required_scopes = {"GET": "jobs:read"}

    @extend_schema(
        tags=["jobs"],
        summary="One job: timing, failure reason, provider usage, result",
        responses={200: JobDetailOutputSerializer, 404: JOB_NOT_FOUND, **AUTH_ERRORS},
    )
    def get(self, request: Request, job_id: UUID) -> Response:
        return Response(JobDetailOutputSerializer(job_get(job_id=job_id)).data)


class JobCancelApi(APIView):
    required_scopes = {"POST": "jobs:write"}

    @extend_schema(
        tags=["jobs"],
        summary="Cancel a pending or processing job",
        description="Revokes its task; a booth waiting on it gets 409. A final job cannot be cancelled (409, "
        "`job_already_final`, with the job's `status` in the error body).",
        request=None,
        responses={
            200: JobDetailOutputSerializer,
            404: JOB_NOT_FOUND,
            409: error("The job is already final (`job_already_final`; the body carries `status`)."),
            **AUTH_ERRORS,
        },
    )
    def post(self, request: Request, job_id: UUID) -> Response:
        return Response(JobDetailOutputSerializer(job_cancel(job_id=job_id)).data)


class JobResultApi(APIView):
    required_scopes = {"GET": "jobs:read"}
    content_negotiation_class = FileOrJsonErrorNegotiation

    @extend_schema(
        tags=["results"],
        summary="Download a job's result image",
        responses={
            **IMAGE_RESPONSE,
            404: error("Unknown job, or the job has no result."),
            410: error("The result expired (`result_expired`) or its file is gone (`result_gone`)."),
            **AUTH_ERRORS,
        },
    )
    def get(self, request: Request, job_id: UUID) -> FileResponse:
        return result_file_response(result_get_servable(job_id=job_id))


class JobShareLinkApi(APIView):
    # A link makes a person's photo public: its own scope, not the one that only reads jobs.
    required_scopes = {"POST": "results:share", "DELETE": "results:share"}

    @extend_schema(
        tags=["results"],
        summary="Create a signed, token-less link to the result",
        description="The link expires after `ttl_seconds` (default and maximum RESULT_LINK_TTL_SECONDS), and "
        "never later than the result itself.",
        request=ResultLinkInputSerializer,
        responses={
            201: ResultLinkOutputSerializer,
            404: error("Unknown job, or the job has no result."),
            410: error("The result already expired."),
            422: error("Invalid ttl_seconds."),
            **AUTH_ERRORS,
        },
    )
    def post(self, request: Request, job_id: UUID) -> Response:
        serializer = ResultLinkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = result_share_link_create(job_id=job_id, **serializer.validated_data)
        return Response(ResultLinkOutputSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["results"],
        summary="Revoke every share link of the result",
        description="Every link created for this job's result so far answers 410 (`result_link_revoked`) from "
        "now on; links created afterwards work.",
        responses={204: None, 404: error("Unknown job, or the job has no result."), **AUTH_ERRORS},
    )
    def delete(self, request: Request, job_id: UUID) -> Response:
        result_share_links_revoke(job_id=job_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResultLinkApi(APIView):
    """The public end of a share link: the signature is the only credential."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    content_negotiation_class = FileOrJsonErrorNegotiation

    @extend_schema(
        tags=["results"],
        summary="Result image through a signed link (no authentication)",
        auth=[],
        responses={
            **IMAGE_RESPONSE,
            404: error("Not a valid link."),
            410: error("The link or the result expired, or the result's links were revoked."),
        },
    )
    def get(self, request: Request, token: str) -> FileResponse:
        return result_file_response(result_get_servable_by_link(token=token))
