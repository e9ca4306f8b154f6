"""Public (token-less) links of this app: signed or unguessable, and expiring."""

from __future__ import annotations

from django.urls import path

from jobs.apis import ResultLinkApi

urlpatterns = [
    path("r/<str:token>", ResultLinkApi.as_view(), name="result-link"),
]
