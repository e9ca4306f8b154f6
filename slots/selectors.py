from __future__ import annotations

import uuid

from slots.models import Slot


def slot_get(*, slot_id: str) -> Slot | None:
    """The slot for an id taken from a URL; malformed ids are simply unknown."""
    try:
        key = uuid.UUID(slot_id)
    except (ValueError, TypeError, AttributeError):
        return None
    return Slot.objects.filter(id=key).first()
