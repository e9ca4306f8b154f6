"""Storage keys and walking. Every file goes through Django's storage API, so S3 works like local disk."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from django.core.files.storage import Storage

INPUTS = "inputs"
RESULTS = "results"
TEMPLATES = "templates"
MEDIA = "media"
PREFIXES = (INPUTS, RESULTS, TEMPLATES, MEDIA)


def storage_key(prefix: str, object_id: UUID | str, ext: str) -> str:
    return f"{prefix}/{object_id}.{ext}"


def storage_walk(storage: Storage, prefix: str) -> Iterator[str]:
    """Every file key under ``prefix`` (recursively), on local disk and S3 alike."""
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{prefix}/{name}"
    for directory in directories:
        yield from storage_walk(storage, f"{prefix}/{directory}")
