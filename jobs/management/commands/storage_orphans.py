"""``manage.py storage_orphans [--purge]``: files with no live row, and live rows with no file.

For operators migrating storage or recovering from an outage (beat deletes old orphan files by
itself, see ``jobs.cleanup.storage_sweep_orphans``). Files younger than ``--min-age`` are skipped:
a file is written just before the row that owns it commits.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from jobs.orphans import storage_fileless_rows_mark_gone, storage_orphan_files_delete, storage_orphans_find


class Command(BaseCommand):
    help = "Report (and with --purge remove) files without rows and rows without files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--purge", action="store_true", help="Delete orphan files; mark file-less rows gone.")
        parser.add_argument("--min-age", type=float, default=300.0, help="Skip files younger than this (s).")

    def handle(self, *args, **options) -> None:
        report = storage_orphans_find(min_age_seconds=options["min_age"])
        if options["purge"]:
            storage_orphan_files_delete(report)
            storage_fileless_rows_mark_gone(report)
        self.stdout.write(json.dumps({"purged": options["purge"], "storage": report}, indent=2))
