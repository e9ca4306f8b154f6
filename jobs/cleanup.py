"""Periodic cleanup (Celery beat): nothing accepted stays unfinished, no file outlives its TTL by
more than one period, no booth field outlives the result, and no file stays without a row. Each
sweep works in bounded batches and claims every row with a conditional UPDATE, so two sweeps
running at once delete each file once; a file that cannot be deleted is unclaimed again and
retried on the next run, without stopping the rest."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from jobs.models import ACTIVE_STATUSES, Job, JobStatus, Result
from jobs.orphans import storage_orphan_files_delete, storage_orphans_find
from jobs.queueing import job_revoke
from jobs.services import job_input_release, job_mark_failed_timeout
from media.models import MediaObject
from media.services import media_delete, storage_delete_quietly

logger = logging.getLogger(__name__)
BATCH = 500


def media_sweep_expired(*, batch: int = BATCH) -> int:
    """Delete expired temporary files; a job still pending on one ends ``failed_timeout`` (docs/spec.md, UC4)."""
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
            # The booth's fields (names, e-mail addresses) live no longer than the photo made from them.
            Job.objects.filter(id=job_id).update(booth_metadata={})
        else:
            Result.objects.filter(job_id=job_id).update(expired_at=None)
    if removed:
        logger.info("cleanup removed %d expired results: %s", len(removed), ", ".join(removed[:20]))
    return len(removed)


def booth_fields_sweep_expired(*, batch: int = BATCH) -> int:
    """Clear the booth's fields of jobs that ended ``RESULT_TTL_HOURS`` ago: a job without a result
    keeps them as long as a result would have lived (a completed one loses them with its result)."""
    cutoff = timezone.now() - timedelta(hours=settings.RESULT_TTL_HOURS)
    ended = Job.objects.filter(finished_at__lte=cutoff).exclude(booth_metadata={}).order_by("finished_at")
    cleared = Job.objects.filter(id__in=list(ended.values_list("id", flat=True)[:batch])).update(booth_metadata={})
    if cleared:
        logger.info("cleanup cleared the booth fields of %d jobs", cleared)
    return cleared


def storage_sweep_orphans() -> int:
    """Delete files no row owns (left by a write whose row never committed), once they are older
    than ``STORAGE_ORPHAN_MIN_AGE_SECONDS``; a younger one may still be waiting for its row."""
    report = storage_orphans_find(min_age_seconds=settings.STORAGE_ORPHAN_MIN_AGE_SECONDS)
    removed = storage_orphan_files_delete(report)
    if removed:
        keys = [key for found in report.values() for key in found["files_without_row"]]
        logger.info("cleanup removed %d orphan files: %s", removed, ", ".join(keys[:20]))
    return removed
