"""Reads of the booth's path (the original job of a booth's resend) and of slot checks (the ready
board: each active slot's last check)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.provider_registry import provider_setup_problem
from ingest.models import SlotCheck
from jobs.models import Job, JobStatus
from jobs.selectors import result_live
from slots.lan import is_loopback_url
from slots.models import Slot


class IdempotencyKeyReused(ApplicationError):
    status = 422
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was used for another photo; send each photo with its own key.")


def ingest_duplicate_find(*, slot: Slot, input_sha256: str, idempotency_key: str = "") -> Job | None:
    """A booth resend's original job: the same photo bytes for the same slot within
    IDEMPOTENCY_WINDOW_SECONDS (whatever its Idempotency-Key), still running or completed with its
    result still there. A failed or cancelled original is not reused: the resend deserves a new try.

    A key names one photo: raises ``IdempotencyKeyReused`` when the slot's recent jobs used
    ``idempotency_key`` for other bytes, so a reused key never answers with another guest's photo.
    """
    since = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_WINDOW_SECONDS)
    recent = Job.objects.filter(slot=slot, created_at__gte=since, is_test_run=False)
    if idempotency_key and recent.filter(idempotency_key=idempotency_key).exclude(input_sha256=input_sha256).exists():
        raise IdempotencyKeyReused()
    if not input_sha256:
        return None
    job = (
        recent.filter(input_sha256=input_sha256)
        .exclude(status__in=[JobStatus.FAILED_TIMEOUT, JobStatus.FAILED_PROVIDER, JobStatus.CANCELLED])
        .order_by("-created_at")
        .first()
    )
    if job is not None and job.status == JobStatus.COMPLETED:
        result = result_live(job=job)
        if result is None or not default_storage.exists(result.storage_key):
            return None
    return job


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
    return _(
        "Ingest URLs point at %(url)s: a booth on another machine cannot reach them. "
        "Fix: run scripts/serve --lan (or set PUBLIC_BASE_URL to this machine's network address and restart)."
    ) % {"url": settings.PUBLIC_BASE_URL}
