"""Reads of this app: template media for the admin API, registered media behind public links."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import IO
from uuid import UUID

from django.core import signing
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.ids import uuid_or_none
from media.models import MediaObject, TemplateMedia

# Salt of the signed public links of registered media; changing it invalidates every live link.
MEDIA_LINK_SALT = "photochanger.media-link"
# Error answers of a public link must not be cached: a 404 for a link minted a moment later
# by another web process, or a 410, is not worth keeping anywhere.
NO_STORE = {"Cache-Control": "no-store"}


def template_media_list() -> QuerySet[TemplateMedia]:
    return TemplateMedia.objects.order_by("-created_at", "id")


def template_media_get(*, template_media_id: UUID | str) -> TemplateMedia | None:
    """One template with the slots using it prefetched (``template.slots.all()``, by name)."""
    key = uuid_or_none(template_media_id)
    if key is None:
        return None
    return TemplateMedia.objects.prefetch_related("slots").filter(id=key).first()


def media_get_by_link_token(*, token: str) -> MediaObject | None:
    """The registered media a public link points at; ``None`` for a forged, altered or foreign token.

    Only ``registered`` media ever get links; an ingest input is never reachable this way.
    """
    try:
        media_id = signing.loads(token, salt=MEDIA_LINK_SALT)
    except signing.BadSignature:
        return None
    key = uuid_or_none(media_id) if isinstance(media_id, str) else None
    if key is None:
        return None
    return MediaObject.objects.filter(id=key, kind=MediaObject.Kind.REGISTERED).first()


@dataclass(frozen=True)
class ServedMedia:
    media: MediaObject
    # Seconds the link stays valid, for ``Cache-Control: max-age`` (rounded down: never past expiry).
    seconds_left: int
    # ``None`` when only the headers were asked for (HEAD).
    file: IO[bytes] | None


def media_link_open(*, token: str, with_file: bool = True) -> ServedMedia:
    """What ``GET /m/<token>`` serves: 404 for a bad token, 410 once expired, deleted or gone.

    Expiry is checked here on every read, so a link stops working at ``expires_at`` even if the
    cleanup has not run yet.
    """
    media = media_get_by_link_token(token=token)
    if media is None:
        raise ApplicationError(_("Nothing is here."), code="not_found", status=404, headers=NO_STORE)
    left = (media.expires_at - timezone.now()).total_seconds()
    if left <= 0 or media.is_deleted or not default_storage.exists(media.storage_key):
        raise _gone()
    fileobj = None
    if with_file:
        try:
            fileobj = default_storage.open(media.storage_key, "rb")
        except FileNotFoundError as exc:  # the cleanup won the race since the check above
            raise _gone() from exc
    return ServedMedia(media=media, seconds_left=math.floor(left), file=fileobj)


def _gone() -> ApplicationError:
    return ApplicationError(_("This media link has expired."), code="media_expired", status=410, headers=NO_STORE)
