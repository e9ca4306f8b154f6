"""The print that always comes out: a slot's fallback, made in the web process from the booth's own
upload (the job's stored input may already be gone) and served by the slot's ``answer_by``.

The booth's request waits for the job until shortly before its answer time (``answer_by`` after the
request arrived, never past the job's deadline), makes the fallback, and keeps waiting for the real
result until the answer time: a result that arrives in time is always preferred. A fallback served
early leaves the job running; the same request ends it at its deadline after the answer is sent
(``ingest.apis``), so the job keeps its true outcome and a late result is stored as usual.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import ExifTags

from core.provider_registry import provider_registry
from ingest.services import ingest_await
from jobs.models import Job, JobStatus
from media.images import image_work_turn
from media.models import TemplateMedia
from providers import image_guard, imaging
from providers.base import ImageData, ProviderError, ProviderRequest
from slots.fallback import ON_FAILURE_ORIGINAL, FallbackPolicy

logger = logging.getLogger(__name__)

# Formats a booth can print as sent; any other (HEIC, AVIF) is sent on as a JPEG.
PRINTABLE_AS_SENT = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# How long before the answer time the fallback is made: a fixed part plus a part per pixel, about
# four times what a decode, a sepia and an encode take here (12 MP: ~0.2 s of ~1 s allowed).
LEAD_SECONDS = 0.25
LEAD_SECONDS_PER_PIXEL = 60e-9
# What the answer reason is when the job is still running at the answer time.
REASON_ANSWER_BY = "answer_by"


@dataclass(frozen=True)
class BoothPhoto:
    """What a booth request's fallback is made of: the photo as the booth sent it, when it came,
    and the slot's fallback policy."""

    upload: IO[bytes]
    received_at: datetime
    policy: FallbackPolicy


@dataclass(frozen=True)
class Fallback:
    image: ImageData
    served: str  # "original", "local:sepia", ...
    reason: str  # the job's failure code, or "answer_by"


def answer_at(*, job: Job, booth: BoothPhoto) -> datetime:
    return min(booth.received_at + timedelta(seconds=booth.policy.answer_by), job.deadline)


def ingest_await_or_fallback(*, job: Job, booth: BoothPhoto) -> tuple[Job, Fallback | None]:
    """The job as it ended (or still active at the answer time) and the fallback to serve instead
    of its answer, if any. Completed and cancelled jobs answer as themselves."""
    answer_time = answer_at(job=job, booth=booth)
    lead = _lead_seconds(booth.upload, booth.policy)
    job = ingest_await(job=job, until=answer_time - timedelta(seconds=lead))
    if job.status in (JobStatus.COMPLETED, JobStatus.CANCELLED):
        return job, None
    # Read only now: a waiting request keeps no second copy of its photo (it may be a file on disk).
    made = _fallback_make(_photo_bytes(booth.upload), booth.policy, answer_time=answer_time)
    if not job.is_final:
        job = ingest_await(job=job, until=answer_time)
    if job.status in (JobStatus.COMPLETED, JobStatus.CANCELLED) or made is None:
        return job, None
    reason = (job.failure_code or job.status) if job.is_final else REASON_ANSWER_BY
    return job, Fallback(image=made[0], served=made[1], reason=reason)


def _photo_bytes(upload: IO[bytes]) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _lead_seconds(upload: IO[bytes], policy: FallbackPolicy) -> float:
    """How long before the answer time the fallback is made, from the photo's headers."""
    try:
        with image_guard.open_image(upload, written_here=True) as opened:
            pixels = opened.width * opened.height
            as_sent = _printable_as_sent(opened) is not None
    except image_guard.ImageRefused:
        return LEAD_SECONDS
    finally:
        upload.seek(0)
    if policy.on_failure == ON_FAILURE_ORIGINAL and as_sent:
        return 0.0
    return LEAD_SECONDS + pixels * LEAD_SECONDS_PER_PIXEL


def _printable_as_sent(opened) -> str | None:
    """The photo's type when its bytes print upright as they are, else None."""
    with image_guard.refusing_undecodable():
        upright = opened.getexif().get(ExifTags.Base.Orientation, 1) in (1, None)
    return PRINTABLE_AS_SENT.get(opened.format or "") if upright else None


def _fallback_make(photo: bytes, policy: FallbackPolicy, *, answer_time: datetime) -> tuple[ImageData, str] | None:
    """The fallback image and what it is; the original when the operation cannot be made in time
    (no decode turn free, a frame unreadable); None when not even the photo can be decoded."""
    started = time.monotonic()
    with image_work_turn(timeout=(answer_time - timezone.now()).total_seconds()) as turn:
        made: tuple[ImageData, str] | None = None
        if policy.local_operation is not None and turn:
            try:
                made = _local_operation(photo, policy), policy.on_failure
            except Exception as exc:  # a frame gone, storage down, a bad decode: the original still prints
                logger.warning("fallback %s could not be made, the original is served: %s", policy.on_failure, exc)
        if made is None:
            try:
                made = _original(photo, decode_allowed=turn), ON_FAILURE_ORIGINAL
            except (ProviderError, image_guard.ImageRefused, OSError) as exc:
                logger.error("no fallback print could be made: %s", exc)
    logger.info("fallback made in %.3f s", time.monotonic() - started)
    return made


def _original(photo: bytes, *, decode_allowed: bool) -> ImageData:
    """The booth's photo, upright: its own bytes when they already are (and print as they are),
    else turned and encoded as a JPEG."""
    with image_guard.open_image(photo, written_here=True) as opened:
        content_type = _printable_as_sent(opened)
    if content_type is not None or not decode_allowed:
        return ImageData(photo, content_type or "image/jpeg")
    decoded = imaging.decode(ImageData(photo, ""), written_here=True)
    return imaging.encode(decoded, output_format="jpeg", quality=95)


def _local_operation(photo: bytes, policy: FallbackPolicy) -> ImageData:
    provider = provider_registry().provider("local")
    operation = provider_registry().operation("local", policy.local_operation or "")
    templates: dict[str, tuple[ImageData, ...]] = {}
    for name, ids in operation.template_ids(policy.params).items():
        rows = {str(t.id): t for t in TemplateMedia.objects.filter(id__in=ids)}
        templates[name] = tuple(_template_image(rows[ref]) for ref in ids if ref in rows)
    request = ProviderRequest(
        operation=operation.name,
        image=ImageData(photo, ""),
        params=policy.params,
        deadline=time.time() + 60,
        templates=templates,
    )
    return provider.process(request).image


def _template_image(template: TemplateMedia) -> ImageData:
    with default_storage.open(template.storage_key, "rb") as handle:
        return ImageData(handle.read(), template.content_type)
