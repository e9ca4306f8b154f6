"""The process-wide provider registry, built once from ``settings.PROVIDERS``."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from providers.registry import Registry


@cache
def provider_registry() -> Registry:
    return Registry(settings.PROVIDERS)
