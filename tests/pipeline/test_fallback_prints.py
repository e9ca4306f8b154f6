"""A print that always comes out: a slot's ``on_failure`` fallback through real HTTP, gunicorn, a
Celery prefork worker and PostgreSQL (T_SYNC_RESPONSE is 2 s here)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from PIL import Image, ImageStat

from jobs.models import Job, JobStatus, Result
from tests.factories import TemplateMediaFactory
from tests.support import images
from tests.support.booth import booth_post

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _post(stack, slot, photo: bytes):
    return booth_post(f"{stack.base_url}/ingest/{slot.id}", photo=photo, password=slot.secret)


def _settled(job_id: str, timeout: float = 8.0) -> Job:
    deadline = time.monotonic() + timeout
    job = Job.objects.get(id=job_id)
    while not job.is_final and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    return job


def _turned_photo() -> bytes:
    """A 320 × 240 JPEG whose EXIF says "turn a quarter" (orientation 6): upright it is 240 × 320."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return images.jpeg(320, 240, exif=exif.tobytes())


def test_a_failing_provider_gets_the_original_photo_as_the_print(live_stack, booth_slot):
    slot = booth_slot(provider="testing", operation="fail", params={"failure": "permanent"}, on_failure="original")
    photo = images.jpeg(320, 240)

    response = _post(live_stack, slot, photo)

    assert response.status == 200, response.body[:300]
    assert response.headers["x-photochanger-fallback"] == "provider_error"
    assert response.headers["content-type"] == "image/jpeg"
    assert response.body == photo, "an upright JPEG prints as the booth sent it"
    job = _settled(response.headers["x-job-id"])
    assert job.status == JobStatus.FAILED_PROVIDER, "the job keeps its true outcome"
    assert (job.fallback_reason, job.fallback_served) == ("provider_error", "original")
    assert job.fallback_at is not None and job.booth_disconnected_at is None


def test_a_slow_provider_gets_the_local_sepia_fallback_by_answer_by_and_its_late_result_is_kept(live_stack, booth_slot):
    slot = booth_slot(
        provider="testing", operation="sleep", params={"seconds": 1.6}, on_failure="local:sepia", answer_by=1
    )

    response = _post(live_stack, slot, images.jpeg(320, 240))

    assert response.status == 200, response.body[:300]
    assert response.elapsed < 1.0 + 0.5, f"answered after {response.elapsed:.2f} s, answer_by is 1 s"
    assert response.headers["x-photochanger-fallback"] == "answer_by"
    out = images.decode(response.body)
    assert out.size == (320, 240)
    red, green, blue = ImageStat.Stat(out.convert("RGB")).mean
    assert red > green > blue, "the fallback is the sepia operation"
    job = _settled(response.headers["x-job-id"])
    assert job.status == JobStatus.COMPLETED, "the late result is not lost"
    assert Result.objects.filter(job=job).exists()
    assert (job.fallback_reason, job.fallback_served) == ("answer_by", "local:sepia")


def test_a_provider_past_the_deadline_gets_the_original_turned_upright_and_the_job_times_out(live_stack, booth_slot):
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30}, on_failure="original")

    response = _post(live_stack, slot, _turned_photo())

    assert response.status == 200, response.body[:300]
    assert response.elapsed <= settings.T_SYNC_RESPONSE + 1
    assert response.headers["x-photochanger-fallback"] == "deadline_exceeded"
    assert images.decode(response.body).size == (240, 320), "the booth's photo, upright"
    job = _settled(response.headers["x-job-id"])
    assert job.status == JobStatus.FAILED_TIMEOUT
    assert job.failure_code == "deadline_exceeded"
    assert job.fallback_served == "original"


def test_a_frame_fallback_lays_the_slots_frame_over_the_photo(live_stack, booth_slot):
    frame = Image.new("RGBA", (64, 48), (0, 0, 255, 255))  # an opaque blue "frame"
    template = TemplateMediaFactory(data=images.encode(frame, "PNG"))
    slot = booth_slot(
        provider="testing",
        operation="fail",
        params={"failure": "refused"},
        on_failure="local:overlay",
        on_failure_params={"frame": str(template.id), "output_format": "png"},
    )

    response = _post(live_stack, slot, images.jpeg(320, 240))

    assert response.status == 200, response.body[:300]
    assert response.headers["x-photochanger-fallback"] == "provider_refused"
    assert response.headers["content-type"] == "image/png"
    red, green, blue = ImageStat.Stat(images.decode(response.body).convert("RGB")).mean
    assert blue > 250 and red < 5, "the frame covers the photo"


def test_a_slot_without_a_fallback_still_answers_504_at_the_deadline(live_stack, booth_slot):
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30})

    response = _post(live_stack, slot, images.jpeg())

    assert response.status == 504
    assert "x-photochanger-fallback" not in response.headers
    assert Job.objects.get(slot=slot).fallback_at is None


def test_a_cancelled_job_is_not_covered_by_the_fallback(live_stack, booth_slot):
    import threading

    from jobs.services import job_cancel

    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30}, on_failure="original")
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("r", _post(live_stack, slot, images.jpeg())))
    thread.start()
    deadline = time.monotonic() + 2
    while not Job.objects.filter(slot=slot).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    job_cancel(job_id=Job.objects.get(slot=slot).id)
    thread.join(timeout=5)

    assert outcome["r"].status == 409, "an operator's cancel is an answer, not a failure"
