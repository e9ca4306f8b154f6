from __future__ import annotations

import io

import pytest
from PIL import Image

from media.images import UnsupportedImage, image_check
from tests.support import images


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
