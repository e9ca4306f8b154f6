"""Small real images made with Pillow, for tests."""

from __future__ import annotations

import io

from PIL import Image


def gradient(width: int = 320, height: int = 240) -> Image.Image:
    """A colourful RGB image whose pixels differ, so an operation's effect can be measured."""
    img = Image.new("RGB", (width, height))
    img.putdata([(x * 255 // width, y * 255 // height, 160) for y in range(height) for x in range(width)])
    return img


def encode(img: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(width: int = 320, height: int = 240, **options) -> bytes:
    return encode(gradient(width, height), "JPEG", quality=90, **options)


def png(width: int = 320, height: int = 240) -> bytes:
    return encode(gradient(width, height), "PNG")


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def heic(width: int = 320, height: int = 240, **options) -> bytes:
    """An HEIC photo as an iPhone sends it (HEVC in HEIF, through pillow-heif)."""
    import providers.image_guard  # noqa: F401 (registers the HEIF opener and encoder)

    return encode(gradient(width, height), "HEIF", **options)


def avif(width: int = 320, height: int = 240, **options) -> bytes:
    """An AVIF photo (AV1 in HEIF), through Pillow's own libavif."""
    return encode(gradient(width, height), "AVIF", **options)
