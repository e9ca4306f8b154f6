"""Admin API routes of this app (mounted under /api/).

A POST is never redirected, so each route also answers with the other trailing-slash form; that
alias is left out of the OpenAPI schema (``schema=None``). There is deliberately no
``media/<id>`` route: a registered file's lifetime cannot be read back, changed or extended, and
anything under ``/api/media/<id>`` falls through to the API's JSON 404.
"""

from __future__ import annotations

from django.urls import path

from media.apis import MediaRegisterApi, TemplateMediaDetailApi, TemplateMediaListApi, TemplateMediaRegisterApi


def _with_alias(route: str, view, name: str) -> list:
    alias = route[:-1] if route.endswith("/") else f"{route}/"
    return [path(route, view.as_view(), name=name), path(alias, view.as_view(schema=None))]


urlpatterns = [
    *_with_alias("template-media/", TemplateMediaListApi, "template-media-list"),
    *_with_alias("template-media/register", TemplateMediaRegisterApi, "template-media-register"),
    *_with_alias("template-media/<uuid:template_media_id>", TemplateMediaDetailApi, "template-media-detail"),
    *_with_alias("media/register", MediaRegisterApi, "media-register"),
]
