"""Storage keys. Every file goes through Django's storage API, so S3 works like local disk."""

from __future__ import annotations

from uuid import UUID

INPUTS = "inputs"
RESULTS = "results"
TEMPLATES = "templates"
MEDIA = "media"


def storage_key(prefix: str, object_id: UUID | str, ext: str) -> str:
    return f"{prefix}/{object_id}.{ext}"
