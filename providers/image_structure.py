"""Container walks the guard runs before Pillow opens an image: counts and sizes that real photos
never exceed, read from the headers alone.

Pillow parses metadata in Python as it opens or turns an image, at costs out of proportion to its
bytes: libjpeg walks every block once per progressive scan; every JPEG segment and PNG chunk is a
pass through Python; ``Exif.load`` strips repeated "Exif\\0\\0" headers one slice at a time
(quadratic: 2 MB of them cost seconds, 25 MB minutes); and every IFD entry copies its value out of
the EXIF, then again when the EXIF is rewritten for an upright copy, so entries that all name one
large value cost minutes within 64 KB. JPEG segments cap EXIF at 64 KB, but Pillow joins every
"Exif" APP1 segment, and PNG (eXIf, or hex text "Raw profile type exif") and WebP (the RIFF
"EXIF" chunk) have no cap of their own: the same 64 KB holds for all of them here.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from typing import IO


class ImageRefused(Exception):
    """Not a decodable JPEG/PNG/WebP/HEIC/AVIF, or one whose cost the limits do not admit."""


# Cameras and encoders write 1-12 scans (libjpeg's progressive script: 10), and ~5-40 segments
# before the first (ICC profiles split over a few APP2 segments, MPF, XMP).
MAX_JPEG_SCANS = 40
MAX_JPEG_SEGMENTS = 1000
# Encoders split the image data in chunks of 8-64 KB (rarely one per row); a 25 MB PNG in 8 KB
# chunks has ~3,200. Each chunk costs Pillow a pass through Python (~15 us). A still WebP has a
# handful of chunks; an animation one per frame.
MAX_PNG_CHUNKS = 20_000
MAX_WEBP_CHUNKS = 20_000
# What one JPEG APP1 segment holds, and so all the EXIF a camera writes.
MAX_EXIF_BYTES = 65_535
# A real IFD's values are disjoint pieces of its EXIF; a few entries sharing one value (seen in
# edited files) stay far under this. Each declared byte is copied once per entry that names it.
MAX_EXIF_VALUE_BYTES = 4 * MAX_EXIF_BYTES

_JPEG_MARKER = re.compile(rb"\xff[^\x00\xff]")
_JPEG_MARKER_AFTER_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # RSTn belong to the scan's data
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_SOS, _EOI, _APP1, _APP2 = 0xDA, 0xD9, 0xE1, 0xE2
_EXIF_HEADER = b"Exif\x00\x00"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = frozenset({b"tEXt", b"zTXt", b"iTXt"})
_RAW_EXIF_KEYWORD = b"Raw profile type exif\x00"
_CHUNK = 64 * 1024
# TIFF field type -> bytes per value, for the types Pillow reads (it skips the others).
_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8}
_SUB_IFD_TAGS = frozenset({0x8769, 0x8825, 0xA005})  # Exif, GPS, Interop: Pillow follows them


def check_jpeg(fp: IO[bytes]) -> None:
    """Count the marker segments and scans libjpeg would read (up to the first EOI), and bound
    the EXIF (APP1) and multi-picture (APP2 "MPF") data Pillow parses when it opens the file."""
    fp.seek(2)
    segments = scans = exif_bytes = 0
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
        size = int.from_bytes(length, "big") - 2
        pattern = _JPEG_MARKER
        if marker in (_APP1, _APP2):
            body = fp.read(size)
            if marker == _APP1 and body.startswith(_EXIF_HEADER):
                exif_bytes += len(body)  # Pillow joins them all into one EXIF
                if exif_bytes > MAX_EXIF_BYTES:
                    raise ImageRefused(f"The image carries more than {MAX_EXIF_BYTES} bytes of EXIF.")
                check_exif(body)
            elif marker == _APP2 and body.startswith(b"MPF\x00"):
                _check_ifds(body[4:], "multi-picture")
            continue
        fp.seek(size, io.SEEK_CUR)
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


def check_png(fp: IO[bytes]) -> None:
    fp.seek(len(_PNG_SIGNATURE))
    for _ in range(MAX_PNG_CHUNKS):
        header = fp.read(8)
        if len(header) < 8 or header[4:] == b"IEND":
            return
        size, kind = int.from_bytes(header[:4], "big"), header[4:]
        if kind == b"eXIf":
            _check_exif_size(size)
            check_exif(fp.read(size))
            size = 0
        elif kind in _PNG_TEXT:
            keyword = fp.read(min(size, len(_RAW_EXIF_KEYWORD)))
            size -= len(keyword)
            if keyword == _RAW_EXIF_KEYWORD:
                _check_raw_profile_exif(kind, fp.read(size))
                size = 0
        fp.seek(size + 4, io.SEEK_CUR)  # the rest of the data, and the CRC
    raise ImageRefused(f"The PNG has more than {MAX_PNG_CHUNKS} chunks.")


def _check_raw_profile_exif(kind: bytes, rest: bytes) -> None:
    """ImageMagick's hex EXIF, which Pillow decodes when a PNG has no eXIf."""
    if kind == b"tEXt":
        text = rest
    else:  # zTXt: method; iTXt: flag, method, language and translated keyword
        compressed = rest[0] if kind == b"iTXt" else 1
        if kind == b"iTXt":
            rest = rest[2:].split(b"\x00", 2)[-1]
        else:
            rest = rest[1:]
        inflater = zlib.decompressobj()
        text = inflater.decompress(rest, 3 * MAX_EXIF_BYTES) if compressed else rest
    hex_digits = b"".join(text.split(b"\n")[3:])
    _check_exif_size(len(hex_digits) // 2)
    check_exif(bytes.fromhex(hex_digits.decode("ascii")))


def check_webp(fp: IO[bytes]) -> None:
    """Walk the RIFF container's chunks; bound the EXIF chunk libwebp hands Pillow."""
    fp.seek(12)
    for _ in range(MAX_WEBP_CHUNKS):
        header = fp.read(8)
        if len(header) < 8:
            return
        size = int.from_bytes(header[4:], "little")
        if header[:4] == b"EXIF":
            _check_exif_size(size)
            check_exif(fp.read(size))
            size = 0
        fp.seek(size + (size & 1), io.SEEK_CUR)  # chunks are padded to an even size
    raise ImageRefused(f"The WebP has more than {MAX_WEBP_CHUNKS} chunks.")


# HEIC and AVIF are ISO base media files: a photo is "ftyp", "meta" (item list, locations and
# properties, a grid of tiles on iPhones: tens of KB) and "mdat" (the coded pixels), sometimes a
# "free". libheif and libavif parse the metadata in C under their own limits; these bound what
# they are given to parse at all.
MAX_ISOBMFF_BOXES = 64
MAX_ISOBMFF_META_BYTES = 4 * 1024 * 1024


def is_isobmff_image(head: bytes) -> bool:
    """The first bytes start an ISO base media file (an "ftyp" box), as HEIF and AVIF do."""
    return head[4:8] == b"ftyp"


def check_isobmff(fp: IO[bytes]) -> None:
    """Walk the top-level boxes: a handful, and metadata no larger than a real photo's."""
    fp.seek(0, io.SEEK_END)
    end = fp.tell()
    position = 0
    for _ in range(MAX_ISOBMFF_BOXES):
        if position >= end:
            return
        fp.seek(position)
        header = fp.read(16)
        if len(header) < 8:
            return  # truncated: the decoder reports it
        size, kind = int.from_bytes(header[:4], "big"), header[4:8]
        if size == 1:  # a 64-bit size follows
            size = int.from_bytes(header[8:16], "big")
        elif size == 0:  # to the end of the file
            size = end - position
        if size < 8:
            raise ImageRefused("The image's container has a box shorter than its own header.")
        if kind == b"meta" and size > MAX_ISOBMFF_META_BYTES:
            raise ImageRefused(f"The image carries more than {MAX_ISOBMFF_META_BYTES} bytes of metadata.")
        position += size
    raise ImageRefused(f"The image's container has more than {MAX_ISOBMFF_BOXES} top-level boxes.")


def _check_exif_size(size: int) -> None:
    if size > MAX_EXIF_BYTES:
        raise ImageRefused(f"The image carries more than {MAX_EXIF_BYTES} bytes of EXIF.")


def check_exif(data: bytes) -> None:
    """EXIF as Pillow will parse it: one "Exif" header at most, IFDs whose values fit."""
    _check_exif_size(len(data))
    tiff = data.removeprefix(_EXIF_HEADER)
    if tiff.startswith(_EXIF_HEADER):
        raise ImageRefused("The image's EXIF repeats its header.")
    _check_ifds(tiff, "EXIF")


def _check_ifds(tiff: bytes, what: str) -> None:
    """Sum the value bytes the IFDs Pillow reads (the first, and the Exif, GPS and Interop ones)
    declare; refuse more than ``MAX_EXIF_VALUE_BYTES``. Malformed data is left to Pillow."""
    endian = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if endian is None or len(tiff) < 8:
        return
    pending, seen, declared = [struct.unpack_from(endian + "I", tiff, 4)[0]], set(), 0
    while pending:
        offset = pending.pop()
        if offset in seen or offset + 2 > len(tiff):
            continue
        seen.add(offset)
        (count,) = struct.unpack_from(endian + "H", tiff, offset)
        for entry in range(offset + 2, min(offset + 2 + 12 * count, len(tiff) - 11), 12):
            tag, kind, values, value = struct.unpack_from(endian + "HHII", tiff, entry)
            size = values * _TIFF_TYPE_SIZES.get(kind, 0)
            if size > 4:
                declared += min(size, len(tiff))  # Pillow reads no further than the data's end
            if tag in _SUB_IFD_TAGS:
                pending.append(value)
        if declared > MAX_EXIF_VALUE_BYTES:
            raise ImageRefused(f"The image's {what} entries claim more than {MAX_EXIF_VALUE_BYTES} bytes of values.")
