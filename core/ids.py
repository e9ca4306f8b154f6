"""Ids taken from outside (URLs, tokens, form fields, search boxes) turned into UUIDs."""

from __future__ import annotations

import uuid


def uuid_or_none(value: object) -> uuid.UUID | None:
    """``value`` as a UUID (a UUID, or its text in any form ``uuid.UUID`` reads); None for anything else."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
