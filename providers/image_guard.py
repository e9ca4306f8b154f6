"""The one way images are opened: bounds that hold before Pillow decodes anything.

Every decode (the web's upload check, the providers, admin thumbnails) opens its image here, so a
hostile file is refused once, the same way, at the cost of reading its headers. Pillow's own limits
bound the pixels, not the work: libjpeg walks every block once per progressive scan (it only warns
about a scan script that repeats), and Pillow parses every JPEG marker segment before the first scan
and every PNG chunk in Python. A 100 KB progressive JPEG with thousands of refinement scans, or a
few MB of empty segments or chunks, cost tens of seconds of CPU within the size and pixel limits.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from PIL import Image, UnidentifiedImageError

# What Pillow may raise on hostile or broken data, whether opening, decoding, reading EXIF or
# re-encoding (e.g. "EXIF data is too long", a struct.error from a malformed IFD, MPO oddities).
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes UnidentifiedImageError and truncated data
    ValueError,
    SyntaxError,
    EOFError,
    LookupError,  # IndexError, KeyError
    TypeError,
    ArithmeticError,  # ZeroDivisionError, OverflowError from EXIF rationals and sizes
    struct.error,
    MemoryError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)
# Pillow's JPEG opener answers "MPO" for a JPEG with more images after it (multi-picture and
# gain-map photos); its first image is an ordinary JPEG and is all that is decoded.
DECODABLE_FORMATS = ("JPEG", "PNG", "WEBP")
# Cameras and encoders write 1-12 scans (libjpeg's progressive script: 10), and ~5-40 segments
# before the first (ICC profiles split over a few APP2 segments, MPF, XMP).
MAX_JPEG_SCANS = 40
MAX_JPEG_SEGMENTS = 1000
# Encoders split the image data in chunks of 8-64 KB (rarely one per row); a 25 MB PNG in 8 KB
# chunks has ~3,200. Each chunk costs Pillow a pass through Python (~15 us).
MAX_PNG_CHUNKS = 20_000
# A camera JPEG carries about one byte per 4-15 pixels (a 24 MP photo is at least ~2 MB), a PNG of
# a photo more. A big image that claims over 100 pixels per byte is a decompression bomb; smaller
# ones (a sparse PNG frame) are exempt, their decode is cheap whatever the ratio.
MAX_PIXELS_PER_BYTE = 100
PIXELS_PER_BYTE_EXEMPT = 12_000_000

_JPEG_MARKER = re.compile(rb"\xff[^\x00\xff]")
_JPEG_MARKER_AFTER_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # RSTn belong to the scan's data
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_SOS, _EOI = 0xDA, 0xD9
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHUNK = 64 * 1024


class ImageRefused(Exception):
    """Not a decodable JPEG/PNG/WebP, or one whose cost the limits do not admit."""


def open_image(source: bytes | IO[bytes], *, max_pixels: int | None = None) -> Image.Image:
    """Open (headers only) an image every bound admits; raise ``ImageRefused`` otherwise.

    ``max_pixels`` defaults to Pillow's process-wide ``Image.MAX_IMAGE_PIXELS``, which the media
    app sets to ``IMAGE_MAX_PIXELS``. The caller decodes inside ``refusing_undecodable()``."""
    fp = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    limit = Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    with refusing_undecodable():
        fp.seek(0, io.SEEK_END)
        size = fp.tell()
        fp.seek(0)
        head = fp.read(8)
        fp.seek(0)
        if head.startswith(b"\xff\xd8"):
            _check_jpeg_structure(fp)
        elif head == _PNG_SIGNATURE:
            _check_png_structure(fp)
        fp.seek(0)
        img = Image.open(fp, formats=list(DECODABLE_FORMATS))
        pixels = img.width * img.height
        if limit is not None and pixels > limit:
            raise ImageRefused(f"The image has {img.width}x{img.height} pixels; the limit is {limit} pixels.")
        if pixels > PIXELS_PER_BYTE_EXEMPT and pixels > MAX_PIXELS_PER_BYTE * size:
            raise ImageRefused(
                f"The image claims {img.width}x{img.height} pixels in {size} bytes, "
                f"more than {MAX_PIXELS_PER_BYTE} pixels per byte: a decompression bomb."
            )
        return img


@contextmanager
def refusing_undecodable() -> Iterator[None]:
    """Pillow's errors on bad data become ``ImageRefused``; bomb warnings are errors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except ImageRefused:
        raise
    except UnidentifiedImageError as exc:
        raise ImageRefused("Unrecognised image data.") from exc
    except DECODE_ERRORS as exc:
        raise ImageRefused(f"The image cannot be decoded: {exc or type(exc).__name__}") from exc


def _check_jpeg_structure(fp: IO[bytes]) -> None:
    """Count the marker segments and scans libjpeg would read (up to the first EOI)."""
    fp.seek(2)
    segments = scans = 0
    pattern = _JPEG_MARKER
    while (position := _find(fp, pattern)) is not None:
        fp.seek(position + 1)
        marker = fp.read(1)[0]
        if marker == _EOI:
            return
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            raise ImageRefused(f"The JPEG has more than {MAX_JPEG_SEGMENTS} marker segments.")
        if marker in _JPEG_STANDALONE:
            continue
        length = fp.read(2)
        if len(length) < 2:
            return  # truncated: Pillow reports it
        fp.seek(int.from_bytes(length, "big") - 2, io.SEEK_CUR)
        pattern = _JPEG_MARKER
        if marker == _SOS:
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise ImageRefused(f"The JPEG has more than {MAX_JPEG_SCANS} scans.")
            pattern = _JPEG_MARKER_AFTER_SCAN


def _find(fp: IO[bytes], pattern: re.Pattern[bytes]) -> int | None:
    """The file position of ``pattern``'s next match from the current position, reading in chunks."""
    start = fp.tell()
    carry = b""
    while chunk := fp.read(_CHUNK):
        window = carry + chunk
        match = pattern.search(window)
        if match is not None:
            return start - len(carry) + match.start()
        carry = window[-1:]  # a marker's 0xFF may end this chunk
        start += len(chunk)
    return None


def _check_png_structure(fp: IO[bytes]) -> None:
    fp.seek(len(_PNG_SIGNATURE))
    for _ in range(MAX_PNG_CHUNKS):
        header = fp.read(8)
        if len(header) < 8 or header[4:] == b"IEND":
            return
        fp.seek(int.from_bytes(header[:4], "big") + 4, io.SEEK_CUR)  # data and CRC
    raise ImageRefused(f"The PNG has more than {MAX_PNG_CHUNKS} chunks.")
