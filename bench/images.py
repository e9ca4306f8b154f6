"""Booth-like JPEGs of a given file size: camera-sized frames with enough texture that they
compress like photos (a plain gradient would be a few kilobytes at any size)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

# name -> (target bytes, width, height). A 12 MP frame at 5 MiB and a 3 MP one at 1 MiB are what
# a booth camera or a phone sends at high JPEG quality; 0.3 MiB at 1.2 MP is a booth set to send a
# screen-sized copy (the concurrency scenario uses it, see bench/README.md).
SIZES = {"0.3MB": (300 << 10, 1280, 960), "1MB": (1 << 20, 2000, 1500), "5MB": (5 << 20, 4000, 3000)}
QUALITY = 90


def _render(width: int, height: int, sigma: float) -> bytes:
    gradient = Image.linear_gradient("L").resize((width, height))
    photo = Image.merge(
        "RGB",
        (gradient, gradient.rotate(90).resize((width, height)), Image.radial_gradient("L").resize((width, height))),
    )
    noise = Image.effect_noise((width, height), sigma).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(photo, noise, 0.35).save(buffer, "JPEG", quality=QUALITY)
    return buffer.getvalue()


def jpeg_of_size(name: str, *, cache: Path | None = None, tolerance: float = 0.03) -> bytes:
    """A JPEG within ``tolerance`` of the named size (the noise level is searched; seconds, so the
    result is kept in ``cache`` when given)."""
    target, width, height = SIZES[name]
    cached = cache / f"{name}-{target}-{width}x{height}-q{QUALITY}.jpg" if cache else None
    if cached is not None and cached.exists():
        return cached.read_bytes()
    low, high = 8.0, 96.0
    data = b""
    for _ in range(12):
        sigma = (low + high) / 2
        data = _render(width, height, sigma)
        if abs(len(data) - target) <= target * tolerance:
            break
        low, high = (sigma, high) if len(data) < target else (low, sigma)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(data)
    return data
