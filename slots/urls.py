"""Admin API routes of this app (mounted under /api/)."""

from __future__ import annotations

from django.urls import path

from slots.apis import ProviderListApi, SlotDetailApi, SlotListCreateApi, SlotSecretRotateApi

# A malformed slot id matches nothing here and gets the API's JSON 404.
urlpatterns = [
    path("providers/", ProviderListApi.as_view(), name="provider-list"),
    path("slots/", SlotListCreateApi.as_view(), name="slot-list"),
    path("slots/<uuid:slot_id>/", SlotDetailApi.as_view(), name="slot-detail"),
    path("slots/<uuid:slot_id>/rotate-secret", SlotSecretRotateApi.as_view(), name="slot-rotate-secret"),
]
