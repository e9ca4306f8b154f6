"""``media.uploads``: the one size limit and image check behind every upload (booth, media API,
admin template upload, admin test run), with the messages each of them shows."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ApplicationError
from media.uploads import upload_image_check
from tests.support import images


def test_a_file_over_the_limit_is_413_naming_what_it_is(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    photo = SimpleUploadedFile("big.jpg", b"x" * (1024 * 1024 + 1), content_type="image/jpeg")

    with pytest.raises(ApplicationError) as refused:
        upload_image_check(photo, noun="photo")

    assert (refused.value.status, refused.value.code) == (413, "file_too_large")
    assert refused.value.message == "The photo is larger than the 1 MB limit."


def test_a_file_that_is_not_an_image_is_415():
    with pytest.raises(ApplicationError) as refused:
        upload_image_check(SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg"))

    assert (refused.value.status, refused.value.code) == (415, "unsupported_media_type")
    assert refused.value.message.startswith("Not a usable JPEG, PNG, WebP, HEIC/HEIF or AVIF image: ")


def test_a_stream_without_a_size_is_checked_as_an_image():
    checked = upload_image_check(io.BytesIO(images.jpeg(64, 48)))

    assert (checked.content_type, checked.width, checked.height) == ("image/jpeg", 64, 48)
