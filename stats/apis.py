"""Statistics admin API (``/api/stats/...``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_schema import AUTH_ERRORS, error
from stats.selectors import spend_report
from stats.serializers import SpendQuerySerializer, SpendReportOutputSerializer


class SpendApi(APIView):
    required_scopes = {"GET": "stats:read"}

    @extend_schema(
        tags=["stats"],
        summary="Provider calls and estimated spend per slot and UTC day",
        description="Every provider call is recorded with its outcome, duration and the token usage the "
        "provider reported; the cost is estimated from the PROVIDER_PRICES table when the call is recorded.",
        parameters=[SpendQuerySerializer],
        responses={200: SpendReportOutputSerializer, 422: error("Invalid dates, range or slot id."), **AUTH_ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = SpendQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(SpendReportOutputSerializer(spend_report(**query.validated_data)).data)
