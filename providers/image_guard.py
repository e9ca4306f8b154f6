"""The one way images are opened: bounds that hold before Pillow decodes anything.

Every decode (the web's upload check, the providers, admin thumbnails) opens its image here, so a
hostile file is refused once, the same way, at the cost of reading its headers. Pillow's own limits
bound the pixels, not the work: libjpeg walks every block once per progressive scan (it only warns
about a scan script that repeats), and Pillow parses every JPEG marker segment before the first scan
and every PNG chunk in Python. A 100 KB progressive JPEG with thousands of refinement scans, or a
few MB of empty segments or chunks, cost tens of seconds of CPU within the size and pixel limits;
so does EXIF Pillow parses in Python (``providers/image_structure.py`` walks the containers).
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import pillow_heif
from PIL import Image, PngImagePlugin, UnidentifiedImageError, WebPImagePlugin, features

from providers import image_structure
from providers.image_structure import ImageRefused
from providers.plain_words import exception_plain_text

__all__ = ["DECODABLE_FORMATS", "ImageRefused", "open_image", "refusing_undecodable"]

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
    RuntimeError,  # libavif's and libheif's decode failures ("Decoding of color planes failed")
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)
# Pillow's JPEG opener answers "MPO" for a JPEG with more images after it (multi-picture and
# gain-map photos); its first image is an ordinary JPEG and is all that is decoded. HEIC/HEIF
# (iPhones, iPad booth apps) through pillow-heif (libheif), AVIF through Pillow's own libavif: of
# each, the primary image only.
DECODABLE_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "AVIF")
# pillow-heif opens only the primary image: no thumbnails, depth maps or auxiliary images are read.
pillow_heif.options.THUMBNAILS = False
pillow_heif.options.DEPTH_IMAGES = False
pillow_heif.options.AUX_IMAGES = False
pillow_heif.register_heif_opener()
if not features.check("avif"):  # Pillow's wheels have it since 11.3; a build without it must not start
    raise ImportError("Pillow was built without AVIF support (libavif); install the pinned wheel.")
# XMP a photo carries is a few KB; HEIF and AVIF hand it over whole when they open.
MAX_XMP_BYTES = 1024 * 1024
# A camera JPEG carries about one byte per 4-15 pixels (a 24 MP photo is at least ~2 MB), a PNG of
# a photo more. A big image that claims over 100 pixels per byte is a decompression bomb; smaller
# ones (a sparse PNG frame) are exempt, their decode is cheap whatever the ratio.
MAX_PIXELS_PER_BYTE = 100
PIXELS_PER_BYTE_EXEMPT = 12_000_000
# PNG text chunks (XMP, comments) are kept in memory as they are read, up to 64 MB an image by
# Pillow's default; a photo's text is a few KB of XMP. Process-wide, like the pixel limit.
PngImagePlugin.MAX_TEXT_MEMORY = 4 * 1024 * 1024


def open_image(source: bytes | IO[bytes], *, max_pixels: int | None = None, written_here: bool = False) -> Image.Image:
    """Open (headers only) an image every bound admits; raise ``ImageRefused`` otherwise.

    ``max_pixels`` defaults to Pillow's process-wide ``Image.MAX_IMAGE_PIXELS``, which the media
    app sets to ``IMAGE_MAX_PIXELS``. ``written_here``: a file this app encoded itself (a photo's
    stored input after the web's check, a prepared photo form, a result): the pixels-per-byte
    rule judges what a sender claims, and Pillow's own re-encode of a flat 52 MP photo is under
    100 KB. Every other bound still holds. The caller decodes inside ``refusing_undecodable()``."""
    fp = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    limit = Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    with refusing_undecodable():
        fp.seek(0, io.SEEK_END)
        size = fp.tell()
        fp.seek(0)
        head = fp.read(12)
        fp.seek(0)
        if head.startswith(b"\xff\xd8"):
            image_structure.check_jpeg(fp)
        elif head.startswith(b"\x89PNG\r\n\x1a\n"):
            image_structure.check_png(fp)
        elif head.startswith(b"RIFF"):
            image_structure.check_webp(fp)
        elif image_structure.is_isobmff_image(head):
            image_structure.check_isobmff(fp)
        fp.seek(0)
        img = Image.open(fp, formats=list(DECODABLE_FORMATS))
        if img.format in ("HEIF", "AVIF"):  # metadata came with the headers: bounded before Pillow parses it
            _check_isobmff_metadata(img)
        pixels = img.width * img.height
        if limit is not None and pixels > limit:
            raise ImageRefused(f"The image has {img.width}x{img.height} pixels; the limit is {limit} pixels.")
        if not written_here and pixels > PIXELS_PER_BYTE_EXEMPT and pixels > MAX_PIXELS_PER_BYTE * size:
            raise ImageRefused(
                f"The image claims {img.width}x{img.height} pixels in {size} bytes, "
                f"more than {MAX_PIXELS_PER_BYTE} pixels per byte: a decompression bomb."
            )
        return img


def _check_isobmff_metadata(img: Image.Image) -> None:
    exif = img.info.get("exif")
    if exif:
        image_structure.check_exif(exif)
    xmp = img.info.get("xmp") or b""
    if len(xmp) > MAX_XMP_BYTES:
        raise ImageRefused(f"The image carries more than {MAX_XMP_BYTES} bytes of XMP.")


def load(img: Image.Image) -> None:
    """Decode, then let go of what the decoder keeps: after ``load`` a WebP still holds its
    decoded frame as bytes (4 bytes per pixel) and libwebp's two canvases (8) until the image is
    garbage, three times the pixels themselves, through every step that follows."""
    img.load()
    if img.format == "WEBP" and isinstance(img, WebPImagePlugin.WebPImageFile):
        img.fp = None
        img._decoder = None  # only needed to seek to another frame, which a photo never does


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
        raise ImageRefused(f"The image cannot be decoded: {exception_plain_text(exc).rstrip('.')}.") from exc
