"""HEIC/HEIF (iPhones, iPad booth apps) and AVIF photos: accepted under the same limits as the other
formats, and stored as an upright JPEG made from the check's own decode."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from media.images import UnsupportedImage, image_check
from providers.base import PhotoForm
from tests.support import images


def _turned(fmt: str) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return images.encode(images.gradient(320, 240), fmt, exif=exif.tobytes())


@pytest.mark.parametrize("make", [images.heic, images.avif], ids=["heic", "avif"])
def test_a_phone_photo_is_accepted_and_stored_as_a_jpeg(make):
    checked = image_check(io.BytesIO(make(320, 240)), max_pixels=10_000_000)

    assert (checked.content_type, checked.ext) == ("image/jpeg", "jpg")
    assert (checked.width, checked.height) == (320, 240)
    stored = Image.open(io.BytesIO(checked.upright))
    assert (stored.format, stored.size) == ("JPEG", (320, 240))


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_a_turned_phone_photo_is_stored_upright(fmt):
    checked = image_check(io.BytesIO(_turned(fmt)), max_pixels=10_000_000)

    assert (checked.width, checked.height) == (240, 320)
    assert Image.open(io.BytesIO(checked.upright)).size == (240, 320)


def test_an_avif_with_transparency_becomes_an_opaque_jpeg():
    photo = images.encode(Image.new("RGBA", (64, 48), (200, 0, 0, 128)), "AVIF")

    checked = image_check(io.BytesIO(photo), max_pixels=10_000_000)

    assert Image.open(io.BytesIO(checked.upright)).mode == "RGB"


@pytest.mark.parametrize("make", [images.heic, images.avif], ids=["heic", "avif"])
def test_a_phone_photo_is_prepared_in_a_providers_photo_form(make):
    checked = image_check(io.BytesIO(make(640, 480)), max_pixels=10_000_000, form=PhotoForm(max_side=320))

    assert checked.prepared is not None and checked.prepared.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(checked.prepared.data)).size == (320, 240)
    assert (checked.width, checked.height) == (640, 480), "the booth photo's own size is kept for the result"


@pytest.mark.parametrize("make", [images.heic, images.avif], ids=["heic", "avif"])
def test_the_pixel_limit_holds_for_phone_photos(make):
    with pytest.raises(UnsupportedImage, match="the limit is 50000 pixels"):
        image_check(io.BytesIO(make(320, 240)), max_pixels=50_000)
