"""Hostile images built with Pillow: each is small, within the size and pixel limits, and costs a
decoder far more than its bytes suggest (or breaks Pillow somewhere after the decode)."""

from __future__ import annotations

import io
import re
import struct
import zlib

from PIL import Image

from tests.support import images

_MARKER = re.compile(rb"\xff[^\x00\xff]")
_MARKER_AFTER_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def jpeg_scans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each scan of a JPEG: its SOS segment and entropy-coded data."""
    scans, position = [], 2
    while (match := _MARKER.search(data, position)) is not None:
        marker, start = data[match.start() + 1], match.start()
        if marker == 0xD9:
            break
        end = start + 2 + int.from_bytes(data[start + 2 : start + 4], "big")
        if marker == 0xDA:
            end = _MARKER_AFTER_SCAN.search(data, end).start()
            scans.append((start, end))
        position = end
    return scans


def repeated_scan_jpeg(width: int = 2000, height: int = 1500, repeats: int = 1000) -> bytes:
    """A progressive JPEG whose luma AC refinement scan is repeated ``repeats`` times: libjpeg
    only warns about the bogus progression and walks every block again for each copy."""
    data = images.encode(Image.new("RGB", (width, height), (120, 130, 140)), "JPEG", quality=90, progressive=True)
    start, end = max(
        (scan for scan in jpeg_scans(data) if _is_luma_ac_refinement(data, scan[0])), key=lambda s: s[1] - s[0]
    )
    return data[:end] + data[start:end] * repeats + data[end:]


def _is_luma_ac_refinement(data: bytes, sos: int) -> bool:
    components = data[sos + 4]
    spectral_start, approximation = data[sos + 5 + 2 * components], data[sos + 7 + 2 * components]
    return components == 1 and data[sos + 5] == 1 and spectral_start > 0 and approximation >> 4 > 0


def segment_flood_jpeg(segments: int = 100_000) -> bytes:
    """A small JPEG with ``segments`` empty comment segments before its first scan."""
    data = images.jpeg(64, 64)
    return data[:2] + b"\xff\xfe\x00\x02" * segments + data[2:]


def chunk_flood_png(chunks: int = 100_000) -> bytes:
    """A small PNG with ``chunks`` empty private chunks before its image data."""
    data = images.png(64, 64)
    chunk = struct.pack(">I", 0) + b"zzZz" + struct.pack(">I", zlib.crc32(b"zzZz"))
    return data[:33] + chunk * chunks + data[33:]


def growing_exif_jpeg(orientation: int = 6, tags: int = 4, shared: int = 30_000) -> bytes:
    """A turned JPEG whose EXIF points ``tags`` entries at one shared ``shared``-byte value: ~30 KB
    as sent, over the 64 KB segment limit once Pillow writes each entry its own copy."""
    count = 1 + tags
    value_offset = 8 + 2 + 12 * count + 4
    entries = struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    entries += b"".join(struct.pack("<HHII", 0x9100 + i, 7, shared, value_offset) for i in range(tags))
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", count) + entries + b"\x00" * 4 + b"y" * shared
    app1 = b"Exif\x00\x00" + tiff
    data = images.jpeg(320, 240)
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:]


def sparse_png(width: int, height: int) -> bytes:
    """A flat image: millions of pixels in a few kilobytes."""
    return images.encode(Image.new("L", (width, height)), "PNG")


def mpo(width: int = 320, height: int = 240) -> bytes:
    """A multi-picture JPEG (as cameras and phones write for gain maps): two JPEGs in one file."""
    buffer = io.BytesIO()
    first = images.gradient(width, height)
    first.save(buffer, "MPO", save_all=True, append_images=[images.gradient(width // 2, height // 2)])
    return buffer.getvalue()
