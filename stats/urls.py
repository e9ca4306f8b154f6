"""Admin API routes of this app (mounted under /api/)."""

from __future__ import annotations

from django.urls import path

from stats.apis import SpendApi

urlpatterns = [
    path("stats/spend", SpendApi.as_view(), name="stats-spend"),
]
