"""Test-only middleware (enabled by photochanger.settings.test)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse


class FreshContentTypesMiddleware:
    """Forget cached content types at every request.

    The live stack's gunicorn outlives many tests, and every transactional test ends with a flush
    that recreates ``django_content_type`` under new ids. Django caches content types per process,
    so an id cached during one test would break the next test's admin log entries (a foreign key
    to a row that no longer exists).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ContentType.objects.clear_cache()
        return self.get_response(request)
