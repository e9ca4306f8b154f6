"""Slot checks: the bundled sample portrait (ingest/samples) through a slot's real booth path.

A check takes exactly a booth photo's path (``ingest.services``: the image check, storage, job,
queue, worker, provider call and deadline), so an OK means a booth would get its print. The job
is a test run (``Job.is_test_run``), left out of booth statistics. ``manage.py slot_check``, the
admin action "Check before the event" and the canary (beat, ``CANARY_*`` settings) all come here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.errors import ApplicationError
from core.provider_registry import provider_photo_form, provider_setup_problem
from ingest.check_outcome import CheckOutcome, check_outcome, not_started
from ingest.models import SlotCheck, SlotCheckKind
from ingest.samples import SAMPLE_PORTRAIT
from ingest.services import ingest_accept, ingest_await
from jobs.liveness import workers_alive
from media.images import image_check
from slots.models import Slot

logger = logging.getLogger(__name__)

# The fields a check's job carries, so its page says where it came from.
CHECK_FIELD = "photochanger_check"


def _record(check: SlotCheck, outcome: CheckOutcome, *, finished_at: datetime | None = None) -> SlotCheck:
    check.ok, check.reason_code, check.reason, check.fix = outcome.ok, outcome.code, outcome.reason, outcome.fix
    check.finished_at = finished_at or timezone.now()
    check.save(update_fields=["ok", "reason_code", "reason", "fix", "finished_at", "latency_seconds", "model"])
    return check


def slot_check_start(*, slot: Slot, kind: str = SlotCheckKind.MANUAL) -> SlotCheck:
    """Queue the sample portrait for ``slot``; the check is finished at once when it cannot start."""
    now = timezone.now()
    check = SlotCheck.objects.create(
        slot=slot, kind=kind, provider=slot.provider, operation=slot.operation, started_at=now
    )
    try:
        if not slot.is_active:
            return _record(check, not_started("slot_disabled", "the slot is disabled."))
        try:
            alive = workers_alive()
        except redis.RedisError:
            return _record(check, not_started("queue_unavailable", "the task queue (Redis) is unreachable."))
        if not alive:
            return _record(check, not_started("no_workers", "no worker is running to process photos."))
        form = provider_photo_form(provider=slot.provider, operation=slot.operation)
        with SAMPLE_PORTRAIT.open("rb") as upload:
            image = image_check(upload, max_pixels=settings.IMAGE_MAX_PIXELS, form=form)
            job = ingest_accept(
                slot=slot,
                upload=upload,
                image=image,
                metadata={CHECK_FIELD: kind, "name": "Sample Guest"},
                received_at=timezone.now(),
                is_test_run=True,
            )
    except ApplicationError as exc:
        return _record(check, not_started(exc.code, exc.message))
    check.job = job
    check.save(update_fields=["job"])
    return check


def slot_check_finish(*, check: SlotCheck) -> SlotCheck:
    """Wait for the check's job (at most to its deadline, like a booth) and record the outcome."""
    if check.ok is not None or check.job is None:
        return check
    job = ingest_await(job=check.job)
    check.job = job
    check.model = job.model
    if job.finished_at is not None:
        check.latency_seconds = (job.finished_at - job.created_at).total_seconds()
    return _record(check, check_outcome(job, setup_problem=provider_setup_problem(job.provider)))


def slot_checks_run(*, slots: Iterable[Slot], kind: str = SlotCheckKind.MANUAL) -> list[SlotCheck]:
    """Check every slot; they run side by side, so the whole takes about as long as the slowest."""
    started = [slot_check_start(slot=slot, kind=kind) for slot in slots]
    return [slot_check_finish(check=check) for check in started]


def canary_slots() -> QuerySet[Slot]:
    return Slot.objects.filter(canary=True, is_active=True).order_by("name")


def canary_window_open(*, now: datetime | None = None) -> bool:
    window = settings.CANARY_WINDOW
    now = now or timezone.now()
    return window is not None and window[0] <= now < window[1]


def canary_checks_start(*, now: datetime | None = None) -> list[uuid.UUID]:
    """Start a check of every canary slot when the event window is open; a slot whose previous
    canary check is still running (a slow provider) is not checked twice at once."""
    if not canary_window_open(now=now):
        return []
    running_since = timezone.now() - timedelta(seconds=settings.T_SYNC_RESPONSE + 30)
    busy = set(
        SlotCheck.objects.filter(kind=SlotCheckKind.CANARY, ok__isnull=True, started_at__gte=running_since).values_list(
            "slot_id", flat=True
        )
    )
    return [slot_check_start(slot=slot, kind=SlotCheckKind.CANARY).id for slot in canary_slots() if slot.id not in busy]


def canary_checks_finish(*, check_ids: Iterable[uuid.UUID | str]) -> list[SlotCheck]:
    """Record the canary checks' outcomes; each failure is one JSON log line at WARNING."""
    finished = []
    for check in SlotCheck.objects.filter(id__in=list(check_ids)).select_related("slot", "job"):
        check = slot_check_finish(check=check)
        finished.append(check)
        if not check.ok:
            logger.warning(
                "canary check failed: %s: %s",
                check.slot.name,
                check.reason,
                extra={
                    "slot_id": str(check.slot_id),
                    "slot_name": check.slot.name,
                    "check_id": str(check.id),
                    "reason_code": check.reason_code,
                    "fix": check.fix,
                    "job_id": str(check.job_id or ""),
                },
            )
    return finished
