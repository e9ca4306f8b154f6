"""Files without rows and rows without files, per storage prefix: one home for the manual
``storage_orphans`` command and the periodic sweep (``jobs.cleanup.storage_sweep_orphans``).

Every file is written before the row that owns it commits, so a young file without a row may be
one whose row is still committing: only files older than ``min_age_seconds`` count as orphans.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone

from jobs.models import Result
from media.models import MediaObject, TemplateMedia
from media.services import storage_delete_quietly
from media.storage import INPUTS, MEDIA, RESULTS, TEMPLATES, storage_walk

LIVE_ROWS: dict[str, Callable[[], QuerySet]] = {
    INPUTS: lambda: MediaObject.objects.filter(deleted_at__isnull=True, kind=MediaObject.Kind.INGEST_INPUT),
    MEDIA: lambda: MediaObject.objects.filter(deleted_at__isnull=True, kind=MediaObject.Kind.REGISTERED),
    RESULTS: lambda: Result.objects.filter(expired_at__isnull=True),
    TEMPLATES: lambda: TemplateMedia.objects.all(),
}

Report = dict[str, dict[str, list[str]]]


def storage_orphans_find(*, min_age_seconds: float) -> Report:
    """Per prefix: ``files_without_row`` (older than ``min_age_seconds``) and ``rows_without_file``."""
    # Taken before any row is read: a file older than this whose row committed before the read is
    # in the rows read, as long as no write-to-commit gap exceeds min_age_seconds.
    cutoff = timezone.now() - timedelta(seconds=min_age_seconds)
    report: Report = {}
    for prefix, live in LIVE_ROWS.items():
        keys = set(live().values_list("storage_key", flat=True))
        files = set(storage_walk(default_storage, prefix))
        orphan_files = sorted(key for key in files - keys if default_storage.get_modified_time(key) < cutoff)
        report[prefix] = {"files_without_row": orphan_files, "rows_without_file": sorted(keys - files)}
    return report


def storage_orphan_files_delete(report: Report) -> int:
    """Delete the report's files without rows; returns how many went (a failure is retried next run)."""
    return sum(storage_delete_quietly(key=key) for found in report.values() for key in found["files_without_row"])


def storage_fileless_rows_mark_gone(report: Report) -> None:
    """Mark the report's live rows whose file is gone as deleted (media) or expired (results)."""
    now = timezone.now()
    for prefix, found in report.items():
        missing = found["rows_without_file"]
        if prefix in (INPUTS, MEDIA):
            MediaObject.objects.filter(storage_key__in=missing, deleted_at__isnull=True).update(deleted_at=now)
        elif prefix == RESULTS:
            Result.objects.filter(storage_key__in=missing, expired_at__isnull=True).update(expired_at=now)
        # Template rows are reported, never removed: slots may still reference them.
