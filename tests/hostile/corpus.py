"""Hostile booth uploads: (id, photo bytes, filename, expected status, expected error code)."""

from __future__ import annotations

import io
import zlib

from PIL import Image

from tests.support import hostile_images, images


def _png_bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (40000, 40000)).save(buffer, "PNG")  # 1.6 gigapixels in a few kB
    return buffer.getvalue()


def _zip_bomb_png_header() -> bytes:
    # A valid PNG signature and IHDR claiming a huge image, followed by a compressed zero stream.
    png = images.png(8, 8)
    return (
        png[:16] + (60000).to_bytes(4, "big") + (60000).to_bytes(4, "big") + png[24:33] + zlib.compress(b"\0" * 10**6)
    )


def _corrupt_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :]


JPEG = images.jpeg(320, 240)
PNG = images.png(320, 240)
WEBP = images.encode(images.gradient(320, 240), "WEBP")
HEIC = images.heic(320, 240)
AVIF = images.avif(320, 240)

CORPUS = [
    ("text-as-jpg", b"hello, I am definitely a photo", "IMG_0001.JPG", 415, "unsupported_media_type"),
    ("html-as-png", b"<html><script>alert(1)</script></html>", "x.png", 415, "unsupported_media_type"),
    ("pdf-as-jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "x.jpg", 415, "unsupported_media_type"),
    ("zip-as-jpg", zlib.compress(b"x" * 1000), "x.jpg", 415, "unsupported_media_type"),
    ("jpeg-header-only", JPEG[:200], "x.jpg", 415, "unsupported_media_type"),
    ("jpeg-truncated", JPEG[: len(JPEG) * 2 // 3], "x.jpg", 415, "unsupported_media_type"),
    ("png-truncated", PNG[: len(PNG) // 2], "x.png", 415, "unsupported_media_type"),
    ("png-corrupt", _corrupt_middle(PNG), "x.png", 415, "unsupported_media_type"),
    ("webp-truncated", WEBP[: len(WEBP) // 2], "x.webp", 415, "unsupported_media_type"),
    ("gif", images.encode(images.gradient(), "GIF"), "x.gif", 415, "unsupported_media_type"),
    ("tiff", images.encode(images.gradient(), "TIFF"), "x.tif", 415, "unsupported_media_type"),
    ("png-pixel-bomb", _png_bomb(), "bomb.png", 415, "unsupported_media_type"),
    ("png-lying-header", _zip_bomb_png_header(), "bomb2.png", 415, "unsupported_media_type"),
    ("empty", b"", "empty.jpg", 415, "unsupported_media_type"),
    ("jpeg-repeated-scans", hostile_images.repeated_scan_jpeg(), "scans.jpg", 415, "unsupported_media_type"),
    ("jpeg-segment-flood", hostile_images.segment_flood_jpeg(), "segments.jpg", 415, "unsupported_media_type"),
    ("png-chunk-flood", hostile_images.chunk_flood_png(), "chunks.png", 415, "unsupported_media_type"),
    (
        "png-exif-prefix-bomb",
        hostile_images.png_with_exif(hostile_images.exif_prefix_bomb(300_000)),
        "exif.png",
        415,
        "unsupported_media_type",
    ),
    (
        "webp-exif-prefix-bomb",
        hostile_images.webp_with_exif(hostile_images.exif_prefix_bomb(300_000)),
        "exif.webp",
        415,
        "unsupported_media_type",
    ),
    (
        "jpeg-exif-overlapping-values",
        hostile_images.jpeg_with_exif(hostile_images.exif_overlapping_ifd()),
        "ifd.jpg",
        415,
        "unsupported_media_type",
    ),
    ("png-sparse-bomb", hostile_images.sparse_png(8000, 8000), "sparse.png", 415, "unsupported_media_type"),
    ("heic-header-only", HEIC[:40], "IMG_0001.HEIC", 415, "unsupported_media_type"),
    ("heic-truncated", HEIC[: len(HEIC) // 2], "IMG_0001.HEIC", 415, "unsupported_media_type"),
    ("avif-truncated", AVIF[: len(AVIF) * 3 // 4], "x.avif", 415, "unsupported_media_type"),
    ("avif-corrupt", _corrupt_middle(AVIF), "x.avif", 415, "unsupported_media_type"),
    (
        "heic-lying-size-bomb",
        hostile_images.isobmff_claiming(HEIC, 8000, 6000),
        "bomb.heic",
        415,
        "unsupported_media_type",
    ),
    (
        "avif-pixel-bomb",
        hostile_images.isobmff_claiming(AVIF, 30000, 30000),
        "bomb.avif",
        415,
        "unsupported_media_type",
    ),
    ("heic-box-flood", hostile_images.isobmff_box_flood(HEIC), "boxes.heic", 415, "unsupported_media_type"),
    ("avif-huge-meta", hostile_images.isobmff_huge_meta(AVIF), "meta.avif", 415, "unsupported_media_type"),
    (
        "avif-exif-prefix-bomb",
        images.avif(64, 48, exif=hostile_images.exif_prefix_bomb(300_000)),
        "exif.avif",
        415,
        "unsupported_media_type",
    ),
    (
        "avif-exif-overlapping-values",
        images.avif(64, 48, exif=hostile_images.exif_overlapping_ifd()),
        "ifd.avif",
        415,
        "unsupported_media_type",
    ),
]
TRAVERSAL_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/shadow",
    "a\x00b.jpg",
    "%2e%2e%2f.jpg",
    "x" * 2000,
]
