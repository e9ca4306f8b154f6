"""Periodic cleanup (Celery beat): nothing accepted stays unfinished, and no file outlives its TTL by
more than one period. Each sweep works in bounded batches and claims every row with a conditional
UPDATE, so two sweeps running at once delete each file once; a file that cannot be deleted is
unclaimed again and retried on the next run, without stopping the rest."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from jobs.dispatch import job_revoke
from jobs.models import ACTIVE_STATUSES, Job, JobStatus, Result
from jobs.services import job_input_release, job_mark_failed_timeout
from media.models import MediaObject
from media.services import media_delete, storage_delete_quietly

logger = logging.getLogger(__name__)
BATCH = 500


def media_sweep_expired(*, batch: int = BATCH) -> int:
    """Delete expired temporary files; a job still pending on one ends ``failed_timeout`` (UC4)."""
    expired = list(
        MediaObject.objects.filter(deleted_at__isnull=True, expires_at__lte=timezone.now())
        .order_by("expires_at")
        .values_list("id", "storage_key")[:batch]
    )
    removed: list[str] = []
    for media_id, key in expired:
        for job in Job.objects.filter(input_media_id=media_id, status=JobStatus.PENDING):
            if job_mark_failed_timeout(job_id=job.id, code="media_expired", message="The input expired unprocessed."):
                job_revoke(job=job)
        if media_delete(media_id=media_id):
            removed.append(key)
    if removed:
        logger.info("cleanup removed %d expired media files: %s", len(removed), ", ".join(removed[:20]))
    return len(removed)


def jobs_sweep_stale(*, batch: int = BATCH) -> int:
    """End jobs left active past deadline + grace (their web request or worker died); remove their input."""
    cutoff = timezone.now() - timedelta(seconds=settings.STALE_JOB_GRACE_SECONDS)
    stale = list(Job.objects.filter(status__in=ACTIVE_STATUSES, deadline__lte=cutoff).order_by("deadline")[:batch])
    ended: list[str] = []
    for job in stale:
        if job_mark_failed_timeout(job_id=job.id, code="stale", message="Abandoned past its deadline."):
            ended.append(str(job.id))
            job_revoke(job=job)
        job_input_release(job=job)
    if ended:
        logger.info("cleanup ended %d stale jobs: %s", len(ended), ", ".join(ended[:20]))
    return len(ended)


def results_sweep_expired(*, batch: int = BATCH) -> int:
    """Delete result files past their ``expires_at``; the row stays, marked expired (the API says 410)."""
    expired = list(
        Result.objects.filter(expired_at__isnull=True, expires_at__lte=timezone.now())
        .order_by("expires_at")
        .values_list("job_id", "storage_key")[:batch]
    )
    removed: list[str] = []
    for job_id, key in expired:
        claimed = Result.objects.filter(job_id=job_id, expired_at__isnull=True).update(expired_at=timezone.now())
        if not claimed:
            continue  # another sweep has it
        if storage_delete_quietly(key=key):
            removed.append(key)
        else:
            Result.objects.filter(job_id=job_id).update(expired_at=None)
    if removed:
        logger.info("cleanup removed %d expired results: %s", len(removed), ", ".join(removed[:20]))
    return len(removed)
