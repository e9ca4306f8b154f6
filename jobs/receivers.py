"""Jobs' answers to what the layers below announce (connected in ``JobsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from jobs.services import jobs_cancel_pending_of_slot
from slots.models import Slot


def slot_withdrawn_cancel_pending(sender: Any, *, slot: Slot, **kwargs: Any) -> None:
    jobs_cancel_pending_of_slot(slot=slot)
