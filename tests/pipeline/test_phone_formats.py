"""Photos phones and iPad booth apps send (HEIC/HEIF, AVIF) through the whole pipeline: accepted,
processed, and what leaves the web is a JPEG."""

from __future__ import annotations

import pytest
from PIL import ImageStat

from jobs.models import Job, JobStatus
from tests.support import images
from tests.support.booth import booth_post

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _post(stack, slot, photo: bytes, filename: str):
    return booth_post(
        f"{stack.base_url}/ingest/{slot.id}",
        photo=photo,
        password=slot.secret,
        filename=filename,
        content_type="image/heic",
    )


@pytest.mark.parametrize(
    ("make", "filename"), [(images.heic, "IMG_0001.HEIC"), (images.avif, "IMG_0001.AVIF")], ids=["heic", "avif"]
)
def test_a_phone_photo_gets_the_sepia_print(live_stack, booth_slot, make, filename):
    slot = booth_slot(operation="sepia")

    response = _post(live_stack, slot, make(320, 240), filename)

    assert response.status == 200, response.body[:300]
    assert response.headers["content-type"] == "image/jpeg"
    out = images.decode(response.body)
    assert out.size == (320, 240)
    red, green, blue = ImageStat.Stat(out.convert("RGB")).mean
    assert red > green > blue
    job = Job.objects.select_related("input_media").get(id=response.headers["x-job-id"])
    assert job.status == JobStatus.COMPLETED
    assert job.input_media.storage_key.endswith(".jpg"), "stored as the JPEG the web made from it"


def test_an_iphone_photo_reaches_gemini_as_a_jpeg(live_stack, booth_slot, gemini):
    slot = booth_slot(provider="gemini", operation="edit", params={"prompt": "Make it pop"})

    response = _post(live_stack, slot, images.heic(320, 240), "IMG_0001.HEIC")

    assert response.status == 200, response.body[:300]
    [seen] = gemini.requests
    assert [(mime, w, h) for mime, w, h, _ in seen.images] == [("image/jpeg", 320, 240)]


def test_a_phone_photos_original_fallback_prints_as_a_jpeg(live_stack, booth_slot):
    slot = booth_slot(provider="testing", operation="fail", params={"failure": "permanent"}, on_failure="original")

    response = _post(live_stack, slot, images.heic(320, 240), "IMG_0001.HEIC")

    assert response.status == 200, response.body[:300]
    assert response.headers["x-photochanger-fallback"] == "provider_error"
    assert response.headers["content-type"] == "image/jpeg"
    assert images.decode(response.body).size == (320, 240)
