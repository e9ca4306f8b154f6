"""Public (token-less) links of this app: signed or unguessable, and expiring."""

from __future__ import annotations

from django.urls import path

from media.apis import MediaLinkApi

urlpatterns = [
    # The token is a signed media id (django.core.signing); it never contains a slash.
    path("m/<str:token>", MediaLinkApi.as_view(), name="media-link"),
]
