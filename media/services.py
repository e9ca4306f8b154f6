from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import PureWindowsPath
from typing import IO
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import ApplicationError, Conflict
from core.ids import uuid_or_none
from media.images import EXTENSIONS, CheckedImage
from media.models import MediaObject, TemplateMedia
from media.selectors import MEDIA_LINK_SALT
from media.storage import INPUTS, MEDIA, TEMPLATES, storage_key
from media.uploads import upload_image_check

TEMPLATE_NAME_MAX = TemplateMedia._meta.get_field("name").max_length

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


def storage_delete_unless_committed(*, key: str, committed: Callable[[], bool]) -> None:
    """After a failure between writing a file and committing the row that owns it: delete the
    file only if the row surely did not commit. The failure may come after COMMIT (an interrupt
    or an error in an on-commit hook, a post-save handler), and then the row owns the file. When
    the database cannot say, the file is kept: the orphan sweep removes it if no row ever came."""
    try:
        if committed():
            return
    except Exception:
        logger.warning("could not tell whether %s has its row; kept for the orphan sweep", key, exc_info=True)
        return
    storage_delete_quietly(key=key)


def media_input_store(
    *, job_id: UUID, upload: IO[bytes], image: CheckedImage, created_at: datetime, expires_at: datetime
) -> MediaObject:
    """Store a booth photo as the job's input. Writes the file; the caller creates the rows."""
    content: bytes | IO[bytes]
    if image.prepared is not None:  # the photo in its provider's form: what the worker sends
        content, content_type = image.prepared.data, image.prepared.content_type
    else:
        content, content_type = image.upright if image.upright is not None else upload, image.content_type
    key = storage_key(INPUTS, job_id, EXTENSIONS[content_type])
    size = storage_write(key=key, content=content)
    return MediaObject(
        kind=MediaObject.Kind.INGEST_INPUT,
        storage_key=key,
        content_type=content_type,
        size=size,
        created_at=created_at,
        expires_at=expires_at,
    )


def media_delete(*, media_id: UUID, storage_key: str | None = None) -> bool:
    """Delete a media file once: the caller that marks the row deleted removes the file.

    If the file cannot be removed the row is unmarked again, so a later cleanup retries. A caller
    that has the row's ``storage_key`` already (it never changes) saves a round trip.
    """
    if storage_key is None:
        media = MediaObject.objects.filter(id=media_id).only("storage_key").first()
        if media is None:
            return False
        storage_key = media.storage_key
    won = MediaObject.objects.filter(id=media_id, deleted_at__isnull=True).update(deleted_at=timezone.now())
    if not won:
        return False
    if not storage_delete_quietly(key=storage_key):
        MediaObject.objects.filter(id=media_id).update(deleted_at=None)
        return False
    return True


def _stored_then_saved(obj: MediaObject | TemplateMedia, *, key: str, content: bytes | IO[bytes]) -> None:
    """Write the file, then the row; a row that cannot be saved must not leave its file behind."""
    obj.storage_key = key
    obj.size = storage_write(key=key, content=content)
    try:
        # A savepoint inside a caller's transaction: a refused INSERT leaves it usable for the check.
        with transaction.atomic():
            obj.save(force_insert=True)
    except BaseException:
        storage_delete_unless_committed(key=key, committed=type(obj).objects.filter(storage_key=key).exists)
        raise


def template_media_name(*, name: str | None, filename: str | None) -> str:
    """The given name, else the upload's file name stripped of any path and control characters."""
    chosen = (name or "").strip()
    if not chosen and filename:
        # Browsers on Windows may send a full path; control characters have no place in a label.
        base = PureWindowsPath(filename).name
        chosen = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return (chosen or "template")[:TEMPLATE_NAME_MAX]


def template_media_create(*, name: str | None, upload: IO[bytes]) -> TemplateMedia:
    """Check and store an admin's template image. ``name`` defaults to the upload's file name."""
    image = upload_image_check(upload)
    template = TemplateMedia(
        name=template_media_name(name=name, filename=getattr(upload, "name", None)),
        content_type=image.content_type,
        width=image.width,
        height=image.height,
    )
    _stored_then_saved(
        template,
        key=storage_key(TEMPLATES, template.id, image.ext),
        content=image.upright if image.upright is not None else upload,
    )
    return template


def template_media_delete(*, template_media_id: UUID | str) -> None:
    """Delete a template and its file; 404 when unknown, 409 (naming the slots) while any slot uses it.

    The row is locked first: a slot saved concurrently with a reference to it then waits for this
    transaction and fails its foreign-key check, instead of slipping in between check and delete.
    PROTECT on ``SlotTemplateMedia.template_media`` is what refuses the delete.
    """
    with transaction.atomic():
        template = _template_locked(template_media_id)
        try:
            template.delete()
        except ProtectedError as exc:
            slots = [{"id": str(slot["id"]), "name": slot["name"]} for slot in template.slots.values("id", "name")]
            names = ", ".join(slot["name"] for slot in slots)
            raise Conflict(
                ngettext(
                    "Template media is used by %(count)d slot: %(names)s. Remove it from it first.",
                    "Template media is used by %(count)d slots: %(names)s. Remove it from them first.",
                    len(slots),
                )
                % {"count": len(slots), "names": names},
                code="template_media_in_use",
                extra={"slots": slots},
            ) from exc
        # Only once the row is surely gone: a rolled-back delete must keep its file.
        transaction.on_commit(partial(storage_delete_quietly, key=template.storage_key))


def _template_locked(template_media_id: UUID | str) -> TemplateMedia:
    key = uuid_or_none(template_media_id)
    template = TemplateMedia.objects.select_for_update().filter(id=key).first() if key is not None else None
    if template is None:
        raise ApplicationError(_("No template media has this id."), code="not_found", status=404)
    return template


def media_register(*, upload: IO[bytes]) -> MediaObject:
    """Store a file for a provider that fetches images by URL; it lives ``MEDIA_TTL_SECONDS``.

    The cleanup (``jobs.cleanup.media_sweep_expired``) deletes it afterwards; there is no way to
    extend the lifetime, so a link handed out can be relied on to stop working.
    """
    image = upload_image_check(upload)
    now = timezone.now()
    media = MediaObject(
        kind=MediaObject.Kind.REGISTERED,
        content_type=image.content_type,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.MEDIA_TTL_SECONDS),
    )
    _stored_then_saved(
        media,
        key=storage_key(MEDIA, media.id, image.ext),
        content=image.upright if image.upright is not None else upload,
    )
    return media


def media_link_token(*, media: MediaObject) -> str:
    return signing.dumps(str(media.id), salt=MEDIA_LINK_SALT, compress=True)


def media_link_url(*, media: MediaObject) -> str:
    """The public, unguessable link of a registered file (served by ``media.public_urls``)."""
    return f"{settings.PUBLIC_BASE_URL}/m/{media_link_token(media=media)}"
