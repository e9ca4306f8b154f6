from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from media.images import UnsupportedImage, image_check
from providers.base import PhotoForm
from tests.support import hostile_images, images


def _check(data: bytes, max_pixels: int = 10_000_000):
    return image_check(io.BytesIO(data), max_pixels=max_pixels)


@pytest.mark.parametrize(
    ("data", "content_type", "ext"),
    [
        (images.jpeg(), "image/jpeg", "jpg"),
        (images.png(), "image/png", "png"),
        (images.encode(images.gradient(), "WEBP"), "image/webp", "webp"),
    ],
)
def test_jpeg_png_and_webp_are_accepted_as_they_are(data, content_type, ext):
    checked = _check(data)
    assert (checked.content_type, checked.ext, checked.width, checked.height) == (content_type, ext, 320, 240)
    assert checked.upright is None


def test_exif_orientation_is_applied_and_the_photo_reencoded_upright():
    img = images.gradient(320, 240)
    exif = img.getexif()
    exif[0x0112] = 8
    checked = _check(images.encode(img, "JPEG", exif=exif.tobytes()))
    assert (checked.width, checked.height) == (240, 320)
    upright = images.decode(checked.upright)
    assert upright.size == (240, 320)
    assert upright.getexif().get(0x0112, 1) == 1


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(images.jpeg()[:-600], id="truncated-jpeg"),
        pytest.param(images.jpeg()[:1000] + b"\x00" * 5000, id="zeroed-jpeg"),
        pytest.param(images.png()[:-100], id="truncated-png"),
        pytest.param(images.encode(images.gradient(), "WEBP")[:300], id="truncated-webp"),
        pytest.param(b"GIF89a" + b"\x00" * 100, id="gif-header"),
        pytest.param(b"%PDF-1.4", id="pdf"),
    ],
)
def test_broken_or_foreign_data_is_refused(data):
    with pytest.raises(UnsupportedImage):
        _check(data)


def test_more_pixels_than_the_limit_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("L", (5000, 5000)).save(buffer, "PNG")
    with pytest.raises(UnsupportedImage, match="limit"):
        _check(buffer.getvalue(), max_pixels=1_000_000)


# --- with the provider's photo form: the check's decode is the only one -------------------------

FORM = PhotoForm(max_side=150)


def test_with_a_photo_form_the_photo_is_prepared_within_the_bound_and_keeps_its_size_on_record():
    checked = _check_in_form(images.jpeg(400, 300))
    assert (checked.content_type, checked.width, checked.height) == ("image/jpeg", 400, 300)
    assert checked.prepared.content_type == "image/jpeg"
    assert images.decode(checked.prepared.data).size == (150, 112)  # 1/2-scale decode, then fitted


def test_with_a_photo_form_a_turned_photo_is_prepared_upright_without_its_exif():
    img = images.gradient(400, 300)
    exif = img.getexif()
    exif[0x0112] = 6
    exif[0x010F] = "Booth camera"  # Make
    checked = _check_in_form(images.encode(img, "JPEG", exif=exif.tobytes()))
    assert (checked.width, checked.height) == (300, 400)
    prepared = images.decode(checked.prepared.data)
    assert prepared.size == (112, 150)
    assert dict(prepared.getexif()) == {}


def test_with_a_photo_form_png_with_alpha_becomes_a_jpeg():
    img = images.gradient(100, 80).convert("RGBA")
    checked = _check_in_form(images.encode(img, "PNG"))
    assert (checked.content_type, checked.prepared.content_type) == ("image/png", "image/jpeg")
    assert images.decode(checked.prepared.data).size == (100, 80)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(images.jpeg(400, 300)[:-600], id="truncated-jpeg"),
        pytest.param(images.jpeg(400, 300)[:1000] + b"\x00" * 5000, id="zeroed-jpeg"),
    ],
)
def test_with_a_photo_form_broken_data_is_still_refused(data):
    with pytest.raises(UnsupportedImage):
        _check_in_form(data)


def _check_in_form(data: bytes):
    return image_check(io.BytesIO(data), max_pixels=10_000_000, form=FORM)


# --- hostile files: refused by the guard before the decode, never a 500 -----------------------


def test_a_progressive_jpeg_whose_scans_repeat_is_refused_before_it_is_decoded():
    bomb = hostile_images.repeated_scan_jpeg()  # 33 KB, 1,000 scans: seconds of CPU at 1/8 scale
    started = time.monotonic()
    with pytest.raises(UnsupportedImage, match="scans"):
        _check(bomb)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(
    ("data", "what"),
    [
        pytest.param(hostile_images.segment_flood_jpeg(), "segments", id="jpeg-segment-flood"),
        pytest.param(hostile_images.chunk_flood_png(), "chunks", id="png-chunk-flood"),
    ],
)
def test_a_file_flooded_with_empty_segments_or_chunks_is_refused(data, what):
    with pytest.raises(UnsupportedImage, match=what):
        _check(data)


def test_real_progressive_jpegs_and_pngs_in_many_chunks_are_accepted():
    progressive = images.jpeg(640, 480, progressive=True)
    assert _check(progressive).width == 640
    png_in_rows = images.encode(images.gradient(64, 4000), "PNG")  # Pillow splits IDAT at 64 KB
    assert _check(png_in_rows).height == 4000


def test_millions_of_pixels_in_a_few_kilobytes_are_refused_as_a_bomb():
    with pytest.raises(UnsupportedImage, match="pixels per byte"):
        _check(hostile_images.sparse_png(4000, 4000), max_pixels=64_000_000)


def test_a_small_sparse_image_is_not_mistaken_for_a_bomb():
    assert _check(hostile_images.sparse_png(3000, 2000)).width == 3000  # a flat 6 MP frame, 8 KB


def test_exif_that_outgrows_its_segment_when_resaved_is_dropped_from_the_upright_copy():
    checked = _check(hostile_images.growing_exif_jpeg(orientation=6))
    assert (checked.width, checked.height) == (240, 320)
    upright = images.decode(checked.upright)
    assert upright.size == (240, 320)
    assert dict(upright.getexif()) == {}


def test_a_multi_picture_jpeg_is_checked_as_the_jpeg_it_starts_with():
    checked = _check(hostile_images.mpo(320, 240))
    assert (checked.content_type, checked.ext, checked.width, checked.height) == ("image/jpeg", "jpg", 320, 240)
    assert checked.upright is None


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(hostile_images.growing_exif_jpeg(orientation=6), id="growing-exif"),
        pytest.param(hostile_images.mpo(400, 300), id="mpo"),
    ],
)
def test_with_a_photo_form_odd_but_real_photos_are_prepared(data):
    prepared = images.decode(_check_in_form(data).prepared.data)
    assert max(prepared.size) == 150
    assert dict(prepared.getexif()) == {}
