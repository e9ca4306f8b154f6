"""The process-wide provider registry, built once from ``settings.PROVIDERS``."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from providers.base import PhotoForm
from providers.registry import Registry, UnknownProvider


@cache
def provider_registry() -> Registry:
    return Registry(settings.PROVIDERS)


def provider_photo_form(*, provider: str, operation: str) -> PhotoForm | None:
    """The form the slot's provider wants the booth photo in (``None``: as the booth sent it)."""
    try:
        return provider_registry().provider(provider).photo_form(operation)
    except UnknownProvider:  # a slot left on a provider that was removed: its jobs fail later
        return None
