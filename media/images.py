"""Checking uploaded images before anything is stored or queued."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from providers import imaging
from providers.base import ImageData, PhotoForm

# Pillow format name -> (MIME type, file extension).
ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
EXTENSIONS = {content_type: ext for content_type, ext in ACCEPTED_FORMATS.values()}


class UnsupportedImage(Exception):
    """Not a decodable JPEG/PNG/WebP, or too many pixels (decompression bomb)."""


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
    the form allows) and the result carries the photo in that form."""
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(fileobj, formats=list(ACCEPTED_FORMATS))
            if img.width * img.height > max_pixels:
                raise UnsupportedImage(
                    f"The image has {img.width}x{img.height} pixels; the limit is {max_pixels} pixels."
                )
            orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
            width, height = imaging.upright_size(img)
            if form is not None:
                imaging.draft_within(img, form.max_side)
            elif img.format == "JPEG" and orientation == 1:
                # Decoding at 1/8 scale still walks every entropy-coded block, so truncated or
                # corrupt data fails here, at a fraction of the cost of a full decode.
                img.draft(img.mode, (max(1, img.width // 8), max(1, img.height // 8)))
            img.load()
    except UnsupportedImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsupportedImage(str(exc) or "Unrecognised image data.") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        raise UnsupportedImage(f"The image cannot be decoded: {exc}") from exc
    finally:
        fileobj.seek(0)

    content_type, ext = ACCEPTED_FORMATS[img.format]
    if form is not None:
        return CheckedImage(
            content_type=content_type, ext=ext, width=width, height=height, prepared=_in_form(img, form)
        )
    upright = _apply_orientation(img) if orientation not in (1, None) else None
    return CheckedImage(content_type=content_type, ext=ext, width=width, height=height, upright=upright)


def _in_form(img: Image.Image, form: PhotoForm) -> ImageData:
    try:
        ImageOps.exif_transpose(img, in_place=True)
        return imaging.to_photo_form(img, form)
    except (OSError, ValueError) as exc:  # e.g. a pixel mode JPEG cannot hold
        raise UnsupportedImage(f"The image cannot be converted for the provider: {exc}") from exc


def _apply_orientation(img: Image.Image) -> bytes:
    fmt = img.format
    turned = ImageOps.exif_transpose(img)
    buffer = io.BytesIO()
    options: dict = {"exif": turned.info.get("exif", b"")} if "exif" in turned.info else {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = 95
    turned.save(buffer, fmt, **options)
    return buffer.getvalue()
