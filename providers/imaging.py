"""Pillow helpers shared by providers: decode, encode, resize to a target frame."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from providers.base import ImageData, ProviderPermanent

FORMATS = {"jpeg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp")}


def decode(image: ImageData) -> Image.Image:
    """Decode and apply EXIF orientation, so every operation works on an upright photo."""
    try:
        opened = Image.open(io.BytesIO(image.data))
        opened.load()
    except (OSError, Image.DecompressionBombError) as exc:
        raise ProviderPermanent(f"Cannot decode image: {exc}") from exc
    # In place: the default returns a copy even of an upright photo (~40 ms for 12 MP; bench/README.md).
    ImageOps.exif_transpose(opened, in_place=True)
    return opened


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
