"""Reads of slot checks: the ready board (each active slot's last check)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from core.provider_registry import provider_setup_problem
from ingest.models import SlotCheck
from slots.lan import is_loopback_url
from slots.models import Slot


@dataclass(frozen=True)
class SlotReadiness:
    slot: Slot
    last_check: SlotCheck | None
    setup_problem: str | None

    @property
    def state(self) -> str:
        """``ok`` (green), ``failed`` (red) or ``unchecked`` (grey)."""
        if self.last_check is None:
            return "unchecked"
        return "ok" if self.last_check.ok else "failed"


def slot_readiness_list() -> list[SlotReadiness]:
    """Every active slot with its newest finished check (manual or canary)."""
    slots = list(Slot.objects.filter(is_active=True).order_by("name", "id"))
    latest = {
        check.slot_id: check
        for check in SlotCheck.objects.filter(slot__in=slots, ok__isnull=False)
        .order_by("slot_id", "-started_at")
        .distinct("slot_id")
    }
    return [
        SlotReadiness(slot=slot, last_check=latest.get(slot.id), setup_problem=provider_setup_problem(slot.provider))
        for slot in slots
    ]


def booth_url_problem() -> str | None:
    """Why booths on other machines cannot reach the ingest URLs, if they point at this one only."""
    if not is_loopback_url(settings.PUBLIC_BASE_URL):
        return None
    return (
        f"Ingest URLs point at {settings.PUBLIC_BASE_URL}: a booth on another machine cannot reach them. "
        "Fix: run scripts/serve --lan (or set PUBLIC_BASE_URL to this machine's network address and restart)."
    )
