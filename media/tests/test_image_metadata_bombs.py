"""Metadata that costs Pillow far more than its bytes: refused by the guard before anything parses it."""

from __future__ import annotations

import io
import time

import pytest

from media.images import UnsupportedImage, image_check
from tests.support import hostile_images, images

PREFIX_BOMB = hostile_images.exif_prefix_bomb(300_000)  # 1.8 MB: ~8 s of Pillow's prefix stripping
OVERLAPPING = hostile_images.exif_overlapping_ifd()  # 16 KB: ~10 s to rewrite for the upright copy


def _check(data: bytes):
    return image_check(io.BytesIO(data), max_pixels=10_000_000)


def _refused_quickly(data: bytes, match: str) -> None:
    started = time.monotonic()
    with pytest.raises(UnsupportedImage, match=match):
        _check(data)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(hostile_images.png_with_exif(PREFIX_BOMB), id="png-exif-chunk"),
        pytest.param(hostile_images.png_with_exif(PREFIX_BOMB[:400_000], as_text=True), id="png-raw-profile-text"),
        pytest.param(hostile_images.webp_with_exif(PREFIX_BOMB), id="webp-exif-chunk"),
        pytest.param(hostile_images.jpeg_with_exif(PREFIX_BOMB), id="jpeg-app1-segments"),
    ],
)
def test_exif_larger_than_a_jpeg_segment_allows_is_refused_in_every_format(data):
    _refused_quickly(data, "EXIF")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(hostile_images.png_with_exif(hostile_images.exif_prefix_bomb(5_000)), id="png"),
        pytest.param(hostile_images.webp_with_exif(hostile_images.exif_prefix_bomb(5_000)), id="webp"),
        pytest.param(hostile_images.jpeg_with_exif(hostile_images.exif_prefix_bomb(5_000)), id="jpeg"),
    ],
)
def test_exif_with_repeated_headers_is_refused_even_when_small(data):
    _refused_quickly(data, "EXIF")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(hostile_images.png_with_exif(OVERLAPPING), id="png"),
        pytest.param(hostile_images.webp_with_exif(OVERLAPPING), id="webp"),
        pytest.param(hostile_images.jpeg_with_exif(OVERLAPPING), id="jpeg"),
    ],
)
def test_exif_whose_entries_all_claim_the_same_large_value_is_refused(data):
    _refused_quickly(data, "EXIF")


def test_camera_exif_with_a_large_maker_note_is_accepted_and_the_photo_turned():
    img = images.gradient(320, 240)
    exif = img.getexif()
    exif[0x0112] = 6
    exif[0x010F] = "Booth camera"
    exif.get_ifd(0x8769)[0x927C] = bytes(range(256)) * 200  # a 51 KB maker note
    data = images.encode(img, "JPEG", exif=exif.tobytes())
    started = time.monotonic()
    checked = _check(data)
    assert time.monotonic() - started < 0.5
    assert (checked.width, checked.height) == (240, 320)
    assert images.decode(checked.upright).size == (240, 320)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_with_ordinary_exif_are_accepted_and_turned(fmt):
    img = images.gradient(320, 240)
    exif = img.getexif()
    exif[0x0112] = 8
    checked = _check(images.encode(img, fmt, exif=exif.tobytes()))
    assert (checked.width, checked.height) == (240, 320)
