"""Template media and temporary media endpoints (docs/spec.md, UC5 and UC4), and the public link of
the latter."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

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
from media.uploads import SizeCapUploadHandler

UPLOAD_ERRORS = {
    400: error("No file in the request, or a malformed multipart body."),
    413: error("The file is larger than UPLOAD_MAX_BYTES."),
    415: error("Not a decodable JPEG, PNG or WebP image (or empty, or a decompression bomb)."),
    422: error("A field is invalid."),
}


def _too_large() -> ApplicationError:
    limit_mb = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
    return ApplicationError(f"The file is larger than the {limit_mb:g} MB limit.", code="file_too_large", status=413)


def _upload_input(request: Request, serializer_class: type[Serializer]) -> dict[str, Any]:
    """The validated multipart input with its ``file``, reading no more than the upload limit.

    The declared length was checked before the view ran (photochanger/bodycap.py); the cap handler
    stops reading as soon as the file passes the limit, so an oversized upload is never buffered.
    """
    cap = SizeCapUploadHandler(settings.UPLOAD_MAX_BYTES, request._request)
    request.upload_handlers.insert(0, cap)
    serializer = serializer_class(data=request.data)
    if cap.exceeded:
        raise _too_large()
    serializer.is_valid(raise_exception=True)
    upload: UploadedFile | None = serializer.validated_data.get("file")
    if upload is None:
        raise ApplicationError("The request has no file (multipart field 'file').", code="no_file", status=400)
    if cast(int, upload.size) > settings.UPLOAD_MAX_BYTES:  # upload handlers always set it
        raise _too_large()
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


class FirstRenderer(BaseContentNegotiation):
    """A fetcher asking for ``Accept: image/*`` must get the image, not a 406: the Accept header
    is ignored and errors are always JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MediaLinkApi(APIView):
    """The public link of a registered file: no authentication, the signed token is the key."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    content_negotiation_class = FirstRenderer

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
