"""Template media and temporary media endpoints (docs/spec.md, UC5 and UC4), and the public link of
the latter."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from core.api import FileOrJsonErrorNegotiation
from core.api_schema import AUTH_ERRORS, error
from core.errors import ApplicationError
from media.selectors import media_link_open, template_media_get, template_media_list
from media.serializers import (
    MediaRegisterOutputSerializer,
    TemplateMediaDetailOutputSerializer,
    TemplateMediaInUseErrorSerializer,
    TemplateMediaOutputSerializer,
    TemplateMediaRegisterInputSerializer,
    UploadInputSerializer,
)
from media.services import media_link_url, media_register, template_media_create, template_media_delete
from media.uploads import multipart_read

UPLOAD_ERRORS = {
    400: error("No file in the request, or a malformed multipart body."),
    413: error("The file is larger than UPLOAD_MAX_BYTES."),
    415: error("Not a decodable JPEG, PNG, WebP, HEIC/HEIF or AVIF image (or empty, or a decompression bomb)."),
    422: error("A field is invalid."),
}


def _upload_input(request: Request, serializer_class: type[Serializer]) -> dict[str, Any]:
    """The validated multipart input with its ``file``, read under the upload limit (media/uploads.py);
    the file itself is checked by the service that stores it."""
    serializer = multipart_read(request._request, lambda: serializer_class(data=request.data))
    serializer.is_valid(raise_exception=True)
    if serializer.validated_data.get("file") is None:
        raise ApplicationError("The request has no file (multipart field 'file').", code="no_file", status=400)
    return serializer.validated_data


class TemplateMediaRegisterApi(APIView):
    required_scopes = {"POST": "media:write"}
    parser_classes = [MultiPartParser]
    accepts_uploads = True  # photochanger/bodycap.py

    @extend_schema(
        operation_id="template_media_register",
        summary="Upload a template image (style reference, frame) for slots",
        request={"multipart/form-data": TemplateMediaRegisterInputSerializer},
        responses={201: TemplateMediaOutputSerializer, **UPLOAD_ERRORS, **AUTH_ERRORS},
        tags=["template media"],
    )
    def post(self, request: Request) -> Response:
        data = _upload_input(request, TemplateMediaRegisterInputSerializer)
        template = template_media_create(name=data.get("name"), upload=data["file"])
        return Response(TemplateMediaOutputSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateMediaListApi(generics.ListAPIView):
    required_scopes = {"GET": "media:read"}
    serializer_class = TemplateMediaOutputSerializer

    def get_queryset(self):
        return template_media_list()

    @extend_schema(
        operation_id="template_media_list",
        summary="List template media, newest first",
        responses={200: TemplateMediaOutputSerializer(many=True), **AUTH_ERRORS},
        tags=["template media"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TemplateMediaDetailApi(APIView):
    required_scopes = {"GET": "media:read", "DELETE": "media:delete"}

    @extend_schema(
        operation_id="template_media_retrieve",
        summary="One template media, with the slots that use it",
        responses={200: TemplateMediaDetailOutputSerializer, 404: error("Unknown id."), **AUTH_ERRORS},
        tags=["template media"],
    )
    def get(self, request: Request, template_media_id: str) -> Response:
        template = template_media_get(template_media_id=template_media_id)
        if template is None:
            raise ApplicationError("No template media has this id.", code="not_found", status=404)
        return Response(TemplateMediaDetailOutputSerializer(template).data)

    @extend_schema(
        operation_id="template_media_delete",
        summary="Delete a template media and its file (refused while a slot uses it)",
        responses={
            204: OpenApiResponse(description="Deleted, file included."),
            404: error("Unknown id."),
            409: OpenApiResponse(
                response=TemplateMediaInUseErrorSerializer,
                description="Slots still use it (`template_media_in_use`); they are listed in `slots`.",
            ),
            **AUTH_ERRORS,
        },
        tags=["template media"],
    )
    def delete(self, request: Request, template_media_id: str) -> Response:
        template_media_delete(template_media_id=template_media_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaRegisterApi(APIView):
    required_scopes = {"POST": "media:register"}
    parser_classes = [MultiPartParser]
    accepts_uploads = True  # photochanger/bodycap.py

    @extend_schema(
        operation_id="media_register",
        summary="Register a temporary file and get a public link to it (expires after MEDIA_TTL_SECONDS)",
        description="For providers that fetch images by URL. The link cannot be extended; "
        "it answers 410 Gone once `expires_at` has passed.",
        request={"multipart/form-data": UploadInputSerializer},
        responses={201: MediaRegisterOutputSerializer, **UPLOAD_ERRORS, **AUTH_ERRORS},
        tags=["media"],
    )
    def post(self, request: Request) -> Response:
        data = _upload_input(request, UploadInputSerializer)
        media = media_register(upload=data["file"])
        output = {"id": media.id, "url": media_link_url(media=media), "expires_at": media.expires_at}
        return Response(MediaRegisterOutputSerializer(output).data, status=status.HTTP_201_CREATED)


class MediaLinkApi(APIView):
    """The public link of a registered file: no authentication, the signed token is the key."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    content_negotiation_class = FileOrJsonErrorNegotiation

    @extend_schema(
        operation_id="media_link_download",
        summary="Download a registered temporary file (public, signed link)",
        auth=[],
        responses={
            (200, "image/*"): OpenApiResponse(response=OpenApiTypes.BINARY, description="The file."),
            404: error("Forged or unknown link."),
            410: error("The link has expired (`media_expired`) or the file was deleted."),
        },
        tags=["media"],
    )
    def get(self, request: Request, token: str) -> HttpResponseBase:
        served = media_link_open(token=token, with_file=request.method != "HEAD")
        response: HttpResponseBase
        if served.file is None:
            response = HttpResponse(content_type=served.media.content_type)
        else:
            response = FileResponse(served.file, content_type=served.media.content_type)
        response["Content-Length"] = str(served.media.size)
        response["Cache-Control"] = f"private, max-age={served.seconds_left}"
        response["X-Content-Type-Options"] = "nosniff"
        return response
