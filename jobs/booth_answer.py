"""What the booth got for a job, recorded beside the job's own outcome: a fallback served in
place of the job's answer, or an answer the booth never received because it had hung up."""

from __future__ import annotations

import logging
import uuid

from django.utils import timezone

from jobs.models import Job

logger = logging.getLogger(__name__)
REASON_MAX = 50


def job_fallback_record(*, job_id: uuid.UUID | str, reason: str, served: str) -> bool:
    """Record that the booth got the slot's fallback (``served``: "original", "local:sepia", ...)
    and why (the job's failure code, or "answer_by"). The first one served is kept; the job's
    status is left alone. True if this call recorded it."""
    recorded = (
        Job.objects.filter(id=job_id, fallback_at__isnull=True).update(
            fallback_reason=reason[:REASON_MAX], fallback_served=served[:REASON_MAX], fallback_at=timezone.now()
        )
        == 1
    )
    logger.warning(
        "job %s: booth served the fallback %s (%s)",
        job_id,
        served,
        reason,
        extra={"job_id": str(job_id), "fallback_reason": reason, "fallback_served": served},
    )
    return recorded


def job_booth_disconnected_record(*, job_id: uuid.UUID | str) -> bool:
    """Record that the booth had hung up before its answer could reach it (the first time)."""
    recorded = Job.objects.filter(id=job_id, booth_disconnected_at__isnull=True).update(
        booth_disconnected_at=timezone.now()
    )
    logger.warning(
        "job %s: the booth hung up before its answer (its timeout is shorter than ours)",
        job_id,
        extra={"job_id": str(job_id), "booth_disconnected": True},
    )
    return recorded == 1
