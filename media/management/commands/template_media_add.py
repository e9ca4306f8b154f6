"""``manage.py template_media_add FILE``: store a frame or style reference; prints its id.

The id is what an ``overlay`` slot's ``frame`` parameter (and other template parameters) takes:
``manage.py slot_create --operation overlay --param frame=<id>``.
"""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ApplicationError
from media.services import template_media_create


class Command(BaseCommand):
    help = "Store an image as template media (a frame for overlay, a style reference) and print its id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A PNG (frames keep their transparency), JPEG or WebP file.")
        parser.add_argument("--name", help="The name shown in the admin site (default: the file's name).")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            with path.open("rb") as handle:
                template = template_media_create(name=options["name"], upload=File(handle, name=path.name))
        except ApplicationError as exc:
            raise CommandError(f"{path}: {exc.message}") from exc
        # The id alone on stdout, so that `frame=$(manage.py template_media_add frame.png)` works.
        self.stdout.write(str(template.id))
        self.stderr.write(
            f"stored {template.name!r} ({template.width}×{template.height}) as template media {template.id}"
        )
