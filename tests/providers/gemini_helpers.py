"""Helpers for the GeminiProvider tests: photos, the provider pointed at the stand-in, requests."""

from __future__ import annotations

import io
import time
from typing import Any

from PIL import Image

from providers.base import (
    ImageData,
    ProviderRequest,
)
from providers.gemini import OPERATIONS, GeminiProvider
from tests.support.gemini_stub import GeminiStub

PHOTO_COLOUR = (10, 200, 30)
INVERTED = (245, 55, 225)


def image_bytes(
    size: tuple[int, int] = (64, 48),
    colour: tuple[int, int, int] = PHOTO_COLOUR,
    fmt: str = "JPEG",
    orientation: int | None = None,
) -> bytes:
    img = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


PHOTO = ImageData(image_bytes(), "image/jpeg")


def opened(image: ImageData) -> Image.Image:
    return Image.open(io.BytesIO(image.data))


def close_to(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 6) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def make_provider(stub: GeminiStub, **options: Any) -> GeminiProvider:
    options.setdefault("api_keys", "key-1")
    options.setdefault("backoff", 0.05)
    return GeminiProvider(base_url=stub.base_url, **options)


def make_request(
    operation: str = "edit",
    *,
    deadline_in: float = 4.0,
    image: ImageData = PHOTO,
    fields: dict[str, str] | None = None,
    templates: dict[str, tuple[ImageData, ...]] | None = None,
    photo_size: tuple[int, int] | None = None,
    **params: Any,
) -> ProviderRequest:
    params.setdefault("prompt", "Paint {name} as a pirate")
    if operation == "style_transfer":
        params.setdefault("style_images", ["tm-1"])
    if operation == "background_replace":
        params.setdefault("background", "tm-bg")
    cleaned = OPERATIONS[operation].validate(params)
    return ProviderRequest(
        operation,
        image,
        cleaned,
        time.time() + deadline_in,
        templates=templates or {},
        fields=fields or {},
        photo_size=photo_size,
    )
