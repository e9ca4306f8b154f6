"""Peak memory of one image operation, measured in a fresh process (``python -m``).

``make <dir> <pixels>``: write the worst photos the limits admit at ``pixels``, all turned (EXIF
orientation 6) and padded to pass the pixels-per-byte rule: an RGBA PNG, a baseline JPEG, a
progressive CMYK JPEG (libjpeg holds every coefficient: 8 bytes per pixel) and an RGBA WebP
(Pillow decodes it through libwebp's animation decoder: 16 bytes per pixel at its peak, 18 turned).
``<operation> <file> <pixels>``: print as JSON how far the process's peak RSS grew while it ran
``check`` (the web's upload check) or a local provider operation on that file, counted from just
before the file is read.
"""

from __future__ import annotations

import io
import json
import math
import resource
import struct
import sys
import time
import zlib
from pathlib import Path

from PIL import Image

import providers.image_guard  # noqa: F401 (registers the HEIF opener and encoder)
from media.images import image_check
from providers.base import ImageData, ProviderRequest
from providers.image_guard import MAX_PIXELS_PER_BYTE
from providers.local import LocalProvider

OPERATIONS = {"grayscale": {}, "sepia": {}, "fit": None, "overlay": {"frame": "frame"}}


def make(directory: Path, pixels: int) -> None:
    width = math.isqrt(pixels * 4 // 3)
    height = pixels // width
    padding = pixels // MAX_PIXELS_PER_BYTE + 1
    turned = Image.new("L", (1, 1)).getexif()
    turned[0x0112] = 6
    png = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 20, 30, 128)).save(png, "PNG", exif=turned.tobytes())
    chunk = b"zzZz" + bytes(padding)
    padded = png.getvalue()[:33] + struct.pack(">I", padding) + chunk + struct.pack(">I", zlib.crc32(chunk))
    (directory / "worst.png").write_bytes(padded + png.getvalue()[33:])
    comment = b"\xff\xfe" + struct.pack(">H", 65000) + bytes(64998)
    for name, mode, options in [
        ("worst.jpg", "RGB", {}),
        ("worst_progressive_cmyk.jpg", "CMYK", {"progressive": True, "subsampling": 0}),
    ]:
        jpeg = io.BytesIO()
        Image.new(mode, (width, height), (10, 20, 30, 40)[: len(mode)]).save(
            jpeg, "JPEG", exif=turned.tobytes(), **options
        )
        (directory / name).write_bytes(jpeg.getvalue()[:2] + comment * (padding // 64998 + 1) + jpeg.getvalue()[2:])
    webp = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 20, 30, 128)).save(webp, "WEBP", exif=turned.tobytes(), method=0)
    riff = webp.getvalue()[12:] + b"ZPAD" + struct.pack("<I", padding) + bytes(padding + padding % 2)
    (directory / "worst.webp").write_bytes(b"RIFF" + struct.pack("<I", 4 + len(riff)) + b"WEBP" + riff)
    # HEIC (libheif turns it by its own transform boxes) and an RGBA AVIF (turned by EXIF), padded
    # with a "free" box; both become an upright JPEG in the check.
    for name, mode, fmt in [("worst.heic", "RGB", "HEIF"), ("worst.avif", "RGBA", "AVIF")]:
        coded = io.BytesIO()
        Image.new(mode, (width, height), (10, 20, 30, 128)[: len(mode)]).save(
            coded, fmt, exif=turned.tobytes(), **({"speed": 10} if fmt == "AVIF" else {"quality": 50})
        )
        (directory / name).write_bytes(coded.getvalue() + struct.pack(">I", padding + 8) + b"free" + bytes(padding))


def run(operation: str, path: Path, pixels: int) -> dict:
    Image.MAX_IMAGE_PIXELS = pixels
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    data = path.read_bytes()
    if operation == "check":
        image_check(io.BytesIO(data), max_pixels=pixels)
    else:
        params = OPERATIONS[operation]
        if params is None:  # fit: the largest output the limit admits
            side = math.isqrt(pixels)
            params = {"width": side, "height": side}
        photo = ImageData(data, "image/webp" if path.suffix == ".webp" else "image/jpeg")
        LocalProvider().process(
            ProviderRequest(
                operation=operation,
                image=photo,
                params=LocalProvider.operations[operation].validate(params),
                deadline=time.time() + 300,
                templates={"frame": (photo,)},
            )
        )
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {"growth_kib": growth, "seconds": round(time.monotonic() - started, 2)}


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        print(json.dumps(run(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))))
