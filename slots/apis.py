"""Admin API: the provider catalogue and slot CRUD with optimistic concurrency."""

from __future__ import annotations

import re
from uuid import UUID

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_schema import AUTH_ERRORS, error
from core.errors import ApplicationError, ValidationFailed
from slots.models import Slot
from slots.selectors import provider_list, slot_get, slot_list
from slots.serializers import (
    ProviderListOutputSerializer,
    SlotCreateInputSerializer,
    SlotFilterInputSerializer,
    SlotOutputSerializer,
    SlotUpdateInputSerializer,
    SlotVersionInputSerializer,
    SlotWithSecretOutputSerializer,
)
from slots.services import slot_create, slot_delete, slot_secret_rotate, slot_update

# If-Match carries the version as an entity tag: 3, "3" or W/"3".
IF_MATCH = re.compile(r'^(?:W/)?"?([1-9][0-9]{0,9})"?$')

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The slot\'s current version (e.g. `3` or `"3"`, as in the ETag); or send `version` in the body.',
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description='The slot\'s version as an entity tag, e.g. `"3"`.',
)
NOT_FOUND = {404: error("No slot has this id (or the id is malformed).")}
VERSION_ERRORS = {
    409: error("`version_conflict`: the version is not the slot's current one; `current_version` says which is."),
    428: error("`version_required`: neither If-Match nor `version` was sent."),
}


def _slot_or_404(slot_id: UUID) -> Slot:
    slot = slot_get(slot_id=str(slot_id))
    if slot is None:
        raise NotFound("No slot has this id.")
    return slot


def _expected_version(request: Request, body_version: int | None) -> int:
    """The version the client last saw, from If-Match or the body (428 when neither is there)."""
    header = request.headers.get("If-Match")
    if header is None:
        if body_version is None:
            raise ApplicationError(
                "Send the slot's current version as If-Match or as `version` in the body.",
                code="version_required",
                status=status.HTTP_428_PRECONDITION_REQUIRED,
            )
        return body_version
    match = IF_MATCH.match(header.strip())
    if match is None:
        raise ValidationFailed({"If-Match": ['Must be the slot\'s version, e.g. 3 or "3".']})
    version = int(match.group(1))
    if body_version is not None and body_version != version:
        raise ValidationFailed({"version": ["Differs from the If-Match header."]})
    return version


def _slot_response(slot: Slot, *, secret: str | None = None, status_code: int = status.HTTP_200_OK) -> Response:
    if secret is None:
        data = SlotOutputSerializer(slot).data
    else:
        data = SlotWithSecretOutputSerializer(slot, context={"secret": secret}).data
    response = Response(data, status=status_code, headers={"ETag": f'"{slot.version}"'})
    if secret is not None:
        response["Cache-Control"] = "no-store"  # the plaintext secret must not sit in any cache
    return response


class ProviderListApi(APIView):
    required_scopes = {"GET": "slots:read"}

    @extend_schema(
        summary="Providers, their operations and each operation's parameter schema",
        description="Enough to render a slot form: per parameter its type, whether it is required, "
        "its default, its choices (enum) and its bounds (minimum/maximum, min_length/max_length, max_items).",
        responses={200: ProviderListOutputSerializer, **AUTH_ERRORS},
        tags=["providers"],
    )
    def get(self, request: Request) -> Response:
        return Response(ProviderListOutputSerializer({"providers": provider_list()}).data)


class SlotListCreateApi(ListAPIView):
    required_scopes = {"GET": "slots:read", "POST": "slots:create"}
    serializer_class = SlotOutputSerializer
    filter_backends = ()  # the filters are parsed here and applied by the selector

    def get_queryset(self) -> QuerySet[Slot]:
        filters = SlotFilterInputSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return slot_list(**filters.validated_data)

    @extend_schema(
        summary="List slots",
        parameters=[SlotFilterInputSerializer],
        responses={200: SlotOutputSerializer(many=True), 422: error("A filter value is invalid."), **AUTH_ERRORS},
        tags=["slots"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a slot",
        description="The response is the only place the plaintext `secret` (the booth password) ever appears.",
        parameters=[ETAG_HEADER],
        request=SlotCreateInputSerializer,
        responses={
            201: SlotWithSecretOutputSerializer,
            422: error("Invalid fields; `fields` has messages keyed by field (`params.<name>` for parameters)."),
            **AUTH_ERRORS,
        },
        tags=["slots"],
    )
    def post(self, request: Request) -> Response:
        serializer = SlotCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot, secret = slot_create(**serializer.validated_data)
        response = _slot_response(slot, secret=secret, status_code=status.HTTP_201_CREATED)
        response["Location"] = reverse("slot-detail", kwargs={"slot_id": slot.id})
        return response


UPDATE_RESPONSES = {
    200: SlotOutputSerializer,
    422: error("Invalid fields."),
    **NOT_FOUND,
    **VERSION_ERRORS,
    **AUTH_ERRORS,
}


class SlotDetailApi(APIView):
    required_scopes = {"GET": "slots:read", "PUT": "slots:write", "PATCH": "slots:write", "DELETE": "slots:delete"}

    @extend_schema(
        summary="Get a slot",
        parameters=[ETAG_HEADER],
        responses={200: SlotOutputSerializer, **NOT_FOUND, **AUTH_ERRORS},
        tags=["slots"],
    )
    def get(self, request: Request, slot_id: UUID) -> Response:
        return _slot_response(_slot_or_404(slot_id))

    @extend_schema(
        summary="Replace a slot",
        description="Needs the current version; bumps it. Changing provider or operation validates the params "
        "against the new operation. `is_active: false` cancels the slot's pending jobs.",
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        request=SlotUpdateInputSerializer,
        responses=UPDATE_RESPONSES,
        tags=["slots"],
    )
    def put(self, request: Request, slot_id: UUID) -> Response:
        return self._update(request, slot_id, partial=False)

    @extend_schema(
        summary="Change some fields of a slot",
        description="Like PUT, with only the fields to change (`params` is replaced as a whole).",
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        request=SlotUpdateInputSerializer,
        responses=UPDATE_RESPONSES,
        tags=["slots"],
    )
    def patch(self, request: Request, slot_id: UUID) -> Response:
        return self._update(request, slot_id, partial=True)

    def _update(self, request: Request, slot_id: UUID, *, partial: bool) -> Response:
        slot = _slot_or_404(slot_id)
        serializer = SlotUpdateInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = _expected_version(request, data.pop("version", None))
        return _slot_response(slot_update(slot=slot, version=version, data=data))

    @extend_schema(
        summary="Delete a slot",
        description="Cancels the slot's pending jobs first; the jobs stay in the history.",
        responses={204: None, **NOT_FOUND, **AUTH_ERRORS},
        tags=["slots"],
    )
    def delete(self, request: Request, slot_id: UUID) -> Response:
        slot_delete(slot=_slot_or_404(slot_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SlotSecretRotateApi(APIView):
    required_scopes = {"POST": "slots:write"}

    @extend_schema(
        summary="Replace a slot's secret",
        description="Needs the current version; bumps it. The old secret stops working at once; the new one "
        "appears only in this response.",
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        request=SlotVersionInputSerializer,
        responses={
            200: SlotWithSecretOutputSerializer,
            422: error("Malformed version."),
            **NOT_FOUND,
            **VERSION_ERRORS,
            **AUTH_ERRORS,
        },
        tags=["slots"],
    )
    def post(self, request: Request, slot_id: UUID) -> Response:
        slot = _slot_or_404(slot_id)
        serializer = SlotVersionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = _expected_version(request, serializer.validated_data.get("version"))
        slot, secret = slot_secret_rotate(slot=slot, version=version)
        return _slot_response(slot, secret=secret)
