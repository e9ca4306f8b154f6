"""``manage.py storage_orphans [--purge]``: files with no live row, and live rows with no file.

For operators migrating storage or recovering from an outage. Files younger than ``--min-age``
are skipped: the ingest path writes a file just before it commits the row that owns it.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from jobs.models import Result
from media.models import MediaObject, TemplateMedia
from media.services import storage_delete_quietly
from media.storage import INPUTS, MEDIA, RESULTS, TEMPLATES, storage_walk

LIVE_KEYS = {
    INPUTS: lambda: MediaObject.objects.filter(deleted_at__isnull=True, kind=MediaObject.Kind.INGEST_INPUT),
    MEDIA: lambda: MediaObject.objects.filter(deleted_at__isnull=True, kind=MediaObject.Kind.REGISTERED),
    RESULTS: lambda: Result.objects.filter(expired_at__isnull=True),
    TEMPLATES: lambda: TemplateMedia.objects.all(),
}


class Command(BaseCommand):
    help = "Report (and with --purge remove) files without rows and rows without files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--purge", action="store_true", help="Delete orphan files; mark file-less rows gone.")
        parser.add_argument("--min-age", type=float, default=300.0, help="Skip files younger than this (s).")

    def handle(self, *args, **options) -> None:
        cutoff = timezone.now() - timedelta(seconds=options["min_age"])
        report: dict[str, dict[str, list[str]]] = {}
        for prefix, live in LIVE_KEYS.items():
            keys = set(live().values_list("storage_key", flat=True))
            files = set(storage_walk(default_storage, prefix))
            orphan_files = sorted(key for key in files - keys if default_storage.get_modified_time(key) < cutoff)
            missing = sorted(keys - files)
            report[prefix] = {"files_without_row": orphan_files, "rows_without_file": missing}
            if options["purge"]:
                for key in orphan_files:
                    storage_delete_quietly(key=key)
                now = timezone.now()
                if prefix in (INPUTS, MEDIA):
                    MediaObject.objects.filter(storage_key__in=missing, deleted_at__isnull=True).update(deleted_at=now)
                elif prefix == RESULTS:
                    Result.objects.filter(storage_key__in=missing, expired_at__isnull=True).update(expired_at=now)
                # Template rows are reported, never removed: slots may still reference them.
        self.stdout.write(json.dumps({"purged": options["purge"], "storage": report}, indent=2))
