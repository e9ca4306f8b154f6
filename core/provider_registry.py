"""The process-wide provider registry, built once from ``settings.PROVIDERS``."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.translation import gettext

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


def provider_setup_problem(name: str) -> str | None:
    """What keeps provider ``name`` from working as configured, with the fix (``None``: nothing)."""
    try:
        problem = provider_registry().provider(name).setup_problem()
    except UnknownProvider:
        return gettext(
            "No provider %(name)s is configured here (settings.PROVIDERS). Fix: pick another provider for the slot."
        ) % {"name": repr(name)}
    # Providers mark their texts (providers.base.gettext_noop); they are translated here, where shown.
    return gettext(problem) if problem else None


def provider_setup_problems() -> dict[str, str]:
    """Every configured provider that cannot work as configured, by name (in the active language)."""
    problems = ((provider.name, provider.setup_problem()) for provider in provider_registry())
    return {name: gettext(problem) for name, problem in problems if problem}
