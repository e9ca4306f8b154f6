"""Periodic cleanup (Celery beat): nothing accepted stays unfinished, no temporary file outlives
its TTL by more than one period. Every step is a conditional update, safe to run twice at once."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from jobs.dispatch import job_revoke
from jobs.models import ACTIVE_STATUSES, Job, JobStatus
from jobs.services import job_input_release, job_mark_failed_timeout
from media.models import MediaObject
from media.services import media_delete

logger = logging.getLogger(__name__)
BATCH = 500


def media_sweep_expired(*, batch: int = BATCH) -> int:
    """Delete expired temporary files; a job still pending on one ends ``failed_timeout`` (UC4)."""
    now = timezone.now()
    expired = list(
        MediaObject.objects.filter(deleted_at__isnull=True, expires_at__lte=now).values_list("id", flat=True)[:batch]
    )
    removed = 0
    for media_id in expired:
        for job in Job.objects.filter(input_media_id=media_id, status=JobStatus.PENDING):
            if job_mark_failed_timeout(job_id=job.id, code="media_expired", message="The input expired unprocessed."):
                job_revoke(job=job)
        removed += media_delete(media_id=media_id)
    if removed:
        logger.info("removed %d expired media files", removed)
    return removed


def jobs_sweep_stale(*, batch: int = BATCH) -> int:
    """End jobs left active past deadline + grace: their web request or worker died."""
    cutoff = timezone.now() - timedelta(seconds=settings.STALE_JOB_GRACE_SECONDS)
    stale = Job.objects.filter(status__in=ACTIVE_STATUSES, deadline__lte=cutoff).order_by("deadline")[:batch]
    ended = 0
    for job in stale:
        if job_mark_failed_timeout(job_id=job.id, code="stale", message="Abandoned past its deadline."):
            ended += 1
            job_revoke(job=job)
        job_input_release(job=job)
    if ended:
        logger.info("ended %d stale jobs", ended)
    return ended
