"""Pillow helpers shared by providers: decode, encode, resize to a target frame."""

from __future__ import annotations

import io
import math

from PIL import ExifTags, Image, ImageOps

from providers.base import ImageData, PhotoForm, ProviderPermanent
from providers.image_guard import ImageRefused, load, open_image, refusing_undecodable

FORMATS = {"jpeg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp")}
# Pillow's names for a JPEG (an MPO is a JPEG with more images after it; its first is decoded).
JPEG_FORMATS = frozenset({"JPEG", "MPO"})
CONTENT_TYPES = frozenset(content_type for _, content_type in FORMATS.values())
# A JPEG decodes at 1/2, 1/4 or 1/8 scale for a fraction of the cost of a full decode plus a
# resample (12 MP: ~70 ms against ~350 ms; bench/README.md). A scale landing at most this share
# under the bound is used as it is: a 4000 px photo is sent at 2000 px rather than 2048 px.
DRAFT_SLACK = 0.9


def decode(image: ImageData, *, max_side: int | None = None, written_here: bool = False) -> Image.Image:
    """Decode and apply EXIF orientation, so every operation works on an upright photo.

    ``max_side``: the caller needs no more pixels than that on the long side (a JPEG may then
    decode at a reduced scale; the result can still be larger than ``max_side``).
    ``written_here``: the app stored these bytes after its own check (a job's input, a template
    image), so the guard's pixels-per-byte rule for what senders claim does not apply."""
    return decode_sized(image, max_side=max_side, written_here=written_here)[0]


def decode_sized(
    image: ImageData, *, max_side: int | None = None, written_here: bool = False
) -> tuple[Image.Image, tuple[int, int]]:
    """``decode``, and the photo's upright size at full scale (what the decoded image would
    measure without the reduced-scale decode)."""
    try:
        opened = open_image(image.data, written_here=written_here)
        with refusing_undecodable():
            full_size = upright_size(opened)
            if max_side is not None:
                draft_within(opened, max_side)
            load(opened)
            # In place: the default returns a copy even of an upright photo (~40 ms for 12 MP; bench/README.md).
            ImageOps.exif_transpose(opened, in_place=True)
    except ImageRefused as exc:
        raise ProviderPermanent(f"Cannot decode image: {exc}") from exc
    return opened, full_size


def upright_size(img: Image.Image) -> tuple[int, int]:
    """Before ``load``: the size the opened image will have once its EXIF orientation is applied
    (orientations 5-8 turn it a quarter, so width and height swap)."""
    turned = img.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8)
    return img.size[::-1] if turned else img.size


def stored_size(image: ImageData, *, written_here: bool = False) -> tuple[int, int]:
    """Width and height as stored (before EXIF orientation), from the header alone."""
    try:
        with open_image(image.data, written_here=written_here) as opened:
            return opened.size
    except ImageRefused as exc:
        raise ProviderPermanent(f"Cannot decode image: {exc}") from exc


def draft_within(img: Image.Image, max_side: int) -> None:
    """Before ``load``: have a JPEG decode at the smallest DCT scale that keeps at least
    ``DRAFT_SLACK × max_side`` pixels on the long side. Other formats decode in full."""
    long_side = max(img.size)
    if img.format not in JPEG_FORMATS or long_side <= max_side:
        return
    scale = max_side * DRAFT_SLACK / long_side
    img.draft(img.mode, (math.ceil(img.width * scale), math.ceil(img.height * scale)))


def fit_within(img: Image.Image, max_side: int) -> Image.Image:
    if max(img.size) <= max_side:
        return img
    scale = max_side / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.LANCZOS)


def to_photo_form(img: Image.Image, form: PhotoForm) -> ImageData:
    """An upright decoded photo in a provider's ``PhotoForm`` (a fresh JPEG: EXIF, GPS and the
    rest of the booth's metadata do not leave)."""
    return encode(fit_within(img, form.max_side), output_format="jpeg", quality=form.quality)


def encode(img: Image.Image, *, output_format: str = "jpeg", quality: int = 90) -> ImageData:
    pil_format, content_type = FORMATS[output_format]
    if pil_format == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    buffer = io.BytesIO()
    options = {"quality": quality} if pil_format in ("JPEG", "WEBP") else {"optimize": False}
    img.save(buffer, pil_format, **options)
    return ImageData(buffer.getvalue(), content_type)


def cover(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale and centre-crop to exactly ``size`` (what print layouts expect)."""
    return ImageOps.fit(img, size, method=Image.Resampling.LANCZOS)
