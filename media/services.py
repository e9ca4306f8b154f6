from __future__ import annotations

import io
import logging
from datetime import datetime
from typing import IO
from uuid import UUID

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils import timezone

from media.images import CheckedImage, UnsupportedImage, image_check
from media.models import MediaObject, TemplateMedia
from media.storage import INPUTS, TEMPLATES, storage_key
from photochanger.errors import ApplicationError

logger = logging.getLogger(__name__)


def storage_write(*, key: str, content: bytes | IO[bytes]) -> int:
    """Write a file at exactly ``key`` (never renamed) and return its size."""
    if isinstance(content, bytes):
        content = io.BytesIO(content)
    content.seek(0, io.SEEK_END)
    size = content.tell()
    content.seek(0)
    saved = default_storage.save(key, File(content))
    if saved != key:  # a key is derived from a fresh UUID; a clash means a bug, not bad luck
        default_storage.delete(saved)
        raise RuntimeError(f"Storage key {key!r} already exists.")
    return size


def storage_delete_quietly(*, key: str) -> bool:
    """Delete a file; a failure is logged and left for the next cleanup run."""
    try:
        default_storage.delete(key)
    except Exception:
        logger.exception("Could not delete %s; the cleanup will retry", key)
        return False
    return True


def media_input_store(
    *, job_id: UUID, upload: IO[bytes], image: CheckedImage, created_at: datetime, expires_at: datetime
) -> MediaObject:
    """Store a booth photo as the job's input. Writes the file; the caller creates the rows."""
    key = storage_key(INPUTS, job_id, image.ext)
    size = storage_write(key=key, content=image.upright if image.upright is not None else upload)
    return MediaObject(
        kind=MediaObject.Kind.INGEST_INPUT,
        storage_key=key,
        content_type=image.content_type,
        size=size,
        created_at=created_at,
        expires_at=expires_at,
    )


def media_delete(*, media_id: UUID) -> bool:
    """Delete a media file once: the caller that marks the row deleted removes the file.

    If the file cannot be removed the row is unmarked again, so a later cleanup retries.
    """
    media = MediaObject.objects.filter(id=media_id).only("storage_key").first()
    if media is None:
        return False
    won = MediaObject.objects.filter(id=media_id, deleted_at__isnull=True).update(deleted_at=timezone.now())
    if not won:
        return False
    if not storage_delete_quietly(key=media.storage_key):
        MediaObject.objects.filter(id=media_id).update(deleted_at=None)
        return False
    return True


def template_media_create(*, name: str, upload: IO[bytes]) -> TemplateMedia:
    try:
        image = image_check(upload, max_pixels=settings.IMAGE_MAX_PIXELS)
    except UnsupportedImage as exc:
        raise ApplicationError(str(exc), code="unsupported_media_type", status=415) from exc
    template = TemplateMedia(name=name, content_type=image.content_type, width=image.width, height=image.height)
    template.storage_key = storage_key(TEMPLATES, template.id, image.ext)
    template.size = storage_write(
        key=template.storage_key, content=image.upright if image.upright is not None else upload
    )
    template.save()
    return template
