"""Refusals inside the admin site, shown on the admin's own page: a person reads them, not a
program, so they are not JSON."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse


def is_admin_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(reverse("admin:index"))


def admin_error_page(
    request: HttpRequest, *, title: str, message: str, status: int, headers: dict[str, str] | None = None
) -> HttpResponse:
    """A refusal inside the admin site, on the admin's own page (not JSON: a person reads it)."""
    context = {**admin.site.each_context(request), "title": title, "message": message}
    response = TemplateResponse(request, "admin/photochanger/request_error.html", context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response.render()
