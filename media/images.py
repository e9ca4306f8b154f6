"""Checking uploaded images before anything is stored or queued."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import IO

from django.conf import settings
from PIL import ExifTags, Image, ImageOps

from core.errors import ServiceUnavailable
from providers import image_guard, imaging
from providers.base import ImageData, PhotoForm

# Pillow format name -> (MIME type, file extension) of the photo as stored.
ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    # Stored as an upright JPEG made from the check's own decode: everything after the web (the
    # worker, thumbnails, a fallback print, the booth's printer) then reads a JPEG.
    "HEIF": ("image/jpeg", "jpg"),
    "AVIF": ("image/jpeg", "jpg"),
}
TRANSCODED_FORMATS = frozenset({"HEIF", "AVIF"})
EXTENSIONS = {content_type: ext for content_type, ext in ACCEPTED_FORMATS.values()}
# What a refusal says the booth may send.
ACCEPTED_TEXT = "JPEG, PNG, WebP, HEIC/HEIF or AVIF"


class UnsupportedImage(Exception):
    """Not a decodable JPEG/PNG/WebP/HEIC/AVIF, or one the guard refuses (too many pixels, a
    decompression bomb, more scans, segments, chunks or boxes than real images have)."""


class ImageCheckBusy(ServiceUnavailable):
    code = "image_checks_busy"


@cache
def _checks_in_flight() -> threading.BoundedSemaphore:
    # Per process: each check may hold up to 20 bytes per pixel of IMAGE_MAX_PIXELS (docs/operations.md, "Memory
    # budget"), and a web process has far more threads than it has memory for that many decodes.
    return threading.BoundedSemaphore(settings.IMAGE_CHECKS_PER_PROCESS)


@contextmanager
def image_work_turn(*, timeout: float) -> Iterator[bool]:
    """One of the process's IMAGE_CHECKS_PER_PROCESS turns for a full-size decode outside the
    upload check (a booth's fallback print); yields False when none came free within ``timeout``."""
    slots = _checks_in_flight()
    got = slots.acquire(timeout=max(timeout, 0))
    try:
        yield got
    finally:
        if got:
            slots.release()


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    ext: str
    width: int
    height: int
    # Set only when EXIF orientation had to be applied: the upright re-encoded image. Otherwise
    # the uploaded bytes are stored as they came (no needless re-encode on the booth's hot path).
    upright: bytes | None = None
    # Set when the check was asked for a provider's ``PhotoForm``: the photo in that form, made
    # from the check's own decode, so the worker need not decode it again.
    prepared: ImageData | None = None


def image_check(fileobj: IO[bytes], *, max_pixels: int, form: PhotoForm | None = None) -> CheckedImage:
    """Decode the image fully enough to know it is sound; raise ``UnsupportedImage`` if not.

    With a ``form``, the decode is the one the provider needs (a JPEG at the smallest DCT scale
    the form allows) and the result carries the photo in that form. Everything that touches the
    booth's bytes (EXIF included) runs inside the guard: hostile input is a 415, never a 500.

    At most IMAGE_CHECKS_PER_PROCESS checks run at once in a process; one that waited
    IMAGE_CHECK_WAIT_SECONDS for its turn raises ``ImageCheckBusy`` (503, try again)."""
    slots = _checks_in_flight()
    if not slots.acquire(timeout=settings.IMAGE_CHECK_WAIT_SECONDS):
        raise ImageCheckBusy(
            "Too many photos are being checked right now; try again shortly.", headers={"Retry-After": "5"}
        )
    try:
        img = image_guard.open_image(fileobj, max_pixels=max_pixels)
        with image_guard.refusing_undecodable():
            return _checked(img, form)
    except image_guard.ImageRefused as exc:
        raise UnsupportedImage(str(exc)) from exc
    finally:
        slots.release()
        fileobj.seek(0)


def _checked(img: Image.Image, form: PhotoForm | None) -> CheckedImage:
    orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
    width, height = imaging.upright_size(img)
    is_jpeg = img.format in imaging.JPEG_FORMATS
    if form is not None:
        imaging.draft_within(img, form.max_side)
    elif is_jpeg and orientation == 1:
        # Decoding at 1/8 scale still walks every entropy-coded block, so truncated or
        # corrupt data fails here, at a fraction of the cost of a full decode.
        img.draft(img.mode, (max(1, img.width // 8), max(1, img.height // 8)))
    image_guard.load(img)
    content_type, ext = ACCEPTED_FORMATS["JPEG" if is_jpeg else img.format or ""]  # opened as one of them
    if form is not None:
        ImageOps.exif_transpose(img, in_place=True)
        prepared = imaging.to_photo_form(img, form)
        return CheckedImage(content_type=content_type, ext=ext, width=width, height=height, prepared=prepared)
    needs_copy = orientation not in (1, None) or img.format in TRANSCODED_FORMATS
    upright = _upright_copy(img) if needs_copy else None
    return CheckedImage(content_type=content_type, ext=ext, width=width, height=height, upright=upright)


def _upright_copy(img: Image.Image) -> bytes:
    """The photo turned upright, without EXIF: its orientation is applied, and the rest (camera
    data, GPS) is not needed downstream, may be malformed, and can outgrow the JPEG/WebP
    segment limit when Pillow re-serialises it."""
    fmt = "JPEG" if img.format in imaging.JPEG_FORMATS | TRANSCODED_FORMATS else img.format
    # In place: the decode is not needed once turned, and a copy would hold both at full size.
    ImageOps.exif_transpose(img, in_place=True)
    if fmt == "JPEG" and img.mode not in ("RGB", "L", "CMYK"):  # an AVIF/HEIF with alpha, 16-bit grey
        return imaging.encode(img, output_format="jpeg", quality=95).data
    buffer = io.BytesIO()
    options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    img.save(buffer, fmt, **options)
    return buffer.getvalue()
