"""The provider registry: which providers exist, built from a Django-style settings mapping.

Settings look like ``{"local": {"BACKEND": "providers.local.LocalProvider", "OPTIONS": {...}}}``,
the same shape as ``CACHES`` or ``STORAGES``, so test settings can add test-only providers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import Any

from providers.base import Provider
from providers.schema import Operation


class UnknownProvider(LookupError):
    pass


class UnknownOperation(LookupError):
    pass


def _import(path: str) -> type[Provider]:
    module_name, _, class_name = path.rpartition(".")
    provider_class: type[Provider] = getattr(import_module(module_name), class_name)
    return provider_class


class Registry:
    def __init__(self, config: Mapping[str, Mapping[str, Any]]) -> None:
        self._providers: dict[str, Provider] = {}
        for name, entry in config.items():
            provider_class = _import(entry["BACKEND"])
            provider = provider_class(**entry.get("OPTIONS", {}))
            if provider.name != name:
                raise ValueError(f"Provider {entry['BACKEND']} is named {provider.name!r}, not {name!r}")
            self._providers[name] = provider

    def __iter__(self) -> Iterator[Provider]:
        return iter(self._providers.values())

    def names(self) -> list[str]:
        return list(self._providers)

    def provider(self, name: str) -> Provider:
        try:
            return self._providers[name]
        except KeyError:
            raise UnknownProvider(f"Unknown provider {name!r}.") from None

    def operation(self, provider_name: str, operation_name: str) -> Operation:
        provider = self.provider(provider_name)
        try:
            return provider.operations[operation_name]
        except KeyError:
            raise UnknownOperation(f"Provider {provider_name!r} has no operation {operation_name!r}.") from None

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "name": provider.name,
                "label": provider.label,
                "operations": [op.describe() for op in provider.operations.values()],
            }
            for provider in self
        ]
