"""Reads of the booth's path: finding the original job of a booth's resend."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from core.errors import ApplicationError
from jobs.models import Job, JobStatus
from jobs.selectors import result_live
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
