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


def exif_prefix_bomb(repeats: int) -> bytes:
    """EXIF made of ``repeats`` "Exif\\0\\0" headers before a tiny TIFF header: Pillow strips them
    one slice at a time, a quadratic copy (a 2 MB payload costs seconds)."""
    return b"Exif\x00\x00" * repeats + b"MM\x00\x2a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"


def exif_overlapping_ifd(size: int = 16_000, orientation: int = 6) -> bytes:
    """EXIF of ``size`` bytes whose every IFD entry names the whole payload as its value: each
    entry copies it again, and rewriting it for an upright copy costs minutes at 64 KB."""
    count = (size - 14) // 12
    entries = struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    entries += b"".join(struct.pack(">HHII", 0x1000 + i, 7, size - 100, 0) for i in range(count - 1))
    tiff = b"MM\x00\x2a" + struct.pack(">IH", 8, count) + entries + b"\x00" * 4
    return b"Exif\x00\x00" + tiff + b"\x00" * (size - len(tiff))


def png_with_exif(exif: bytes, *, as_text: bool = False) -> bytes:
    """A small PNG carrying ``exif`` in an eXIf chunk, or hex-encoded in a compressed "Raw profile
    type exif" text chunk (ImageMagick's way, which Pillow reads when there is no eXIf)."""
    if as_text:
        text = f"\nexif\n{len(exif)}\n".encode() + exif.hex().encode()
        chunk_type, body = b"zTXt", b"Raw profile type exif\x00\x00" + zlib.compress(text, 9)
    else:
        chunk_type, body = b"eXIf", exif
    data = images.png(64, 48)
    chunk = struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", zlib.crc32(chunk_type + body))
    return data[:33] + chunk + data[33:]


def webp_with_exif(exif: bytes) -> bytes:
    """A small WebP carrying ``exif`` in the EXIF chunk of its RIFF container."""
    return images.encode(images.gradient(64, 48), "WEBP", exif=exif)


def jpeg_with_exif(exif: bytes) -> bytes:
    """A small JPEG carrying ``exif`` in APP1 segments of at most 64 KB each (Pillow joins them)."""
    payload, segments = exif.removeprefix(b"Exif\x00\x00"), b""
    for start in range(0, len(payload), 60_000):
        piece = b"Exif\x00\x00" + payload[start : start + 60_000]
        segments += b"\xff\xe1" + struct.pack(">H", len(piece) + 2) + piece
    data = images.jpeg(64, 48)
    return data[:2] + segments + data[2:]


def flat_turned_webp(width: int, height: int) -> bytes:
    """A flat WebP with EXIF orientation 6, padded (an unknown RIFF chunk) to 1 byte per 90
    pixels, so it passes the pixels-per-byte rule as sent while its upright re-encode does not."""
    exif = Image.Exif()
    exif[0x0112] = 6
    data = images.encode(Image.new("RGB", (width, height), (90, 120, 150)), "WEBP", exif=exif.tobytes())
    padding = width * height // 90
    chunk = b"ZPAD" + struct.pack("<I", padding) + bytes(padding)
    body = data[12:] + chunk
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def isobmff_claiming(data: bytes, width: int, height: int) -> bytes:
    """An HEIC or AVIF whose image size box ("ispe") claims ``width`` × ``height`` pixels."""
    at = data.index(b"ispe")
    return data[: at + 8] + struct.pack(">II", width, height) + data[at + 16 :]


def isobmff_box_flood(data: bytes, boxes: int = 10_000) -> bytes:
    """An HEIC or AVIF followed by ``boxes`` empty "free" boxes."""
    return data + (struct.pack(">I", 8) + b"free") * boxes


def isobmff_huge_meta(data: bytes, size: int = 8 * 1024 * 1024) -> bytes:
    """An HEIC or AVIF whose "meta" box claims ``size`` bytes (padded to match)."""
    at = data.index(b"meta") - 4
    old = int.from_bytes(data[at : at + 4], "big")
    meta = struct.pack(">I", size) + data[at + 4 : at + old] + bytes(size - old)
    return data[:at] + meta + data[at + old :]
