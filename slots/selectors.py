from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.errors import ApplicationError
from core.ids import uuid_or_none
from core.provider_registry import provider_registry
from slots.models import Slot


class SlotNotFound(ApplicationError):
    status = 404
    code = "slot_not_found"


class SlotDisabled(ApplicationError):
    status = 403
    code = "slot_disabled"


class SlotPasswordInvalid(ApplicationError):
    status = 401
    code = "invalid_password"


def slot_get(*, slot_id: str) -> Slot | None:
    """The slot for an id taken from a URL; malformed ids are simply unknown."""
    key = uuid_or_none(slot_id)
    return Slot.objects.filter(id=key).first() if key is not None else None


def slot_list(
    *, is_active: bool | None = None, provider: str | None = None, operation: str | None = None
) -> QuerySet[Slot]:
    # Ordered on a unique key too, so limit/offset pages neither repeat nor skip slots.
    slots = Slot.objects.prefetch_related("template_media").order_by("name", "id")
    if is_active is not None:
        slots = slots.filter(is_active=is_active)
    if provider:
        slots = slots.filter(provider=provider)
    if operation:
        slots = slots.filter(operation=operation)
    return slots


def provider_list() -> list[dict[str, Any]]:
    """Every provider with its operations and their parameter schemas, for forms built from it."""
    return provider_registry().describe()
