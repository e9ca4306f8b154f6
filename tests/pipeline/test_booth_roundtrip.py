"""A booth's request through real HTTP, gunicorn, Redis, a Celery prefork worker and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from PIL import ImageStat

from jobs.models import Job, JobStatus, Result
from jobs.queueing import job_revoke
from jobs.services import job_mark_cancelled
from media.models import MediaObject
from photochanger.celery import app as celery_app
from tests.factories import TemplateMediaFactory
from tests.support import images
from tests.support.booth import booth_fields, booth_post

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _url(stack, slot, slash: str = "") -> str:
    return f"{stack.base_url}/ingest/{slot.id}{slash}"


def _wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_booth_upload_in_dslr_remote_pro_format_gets_the_sepia_photo(live_stack, booth_slot, stored_files):
    slot = booth_slot(operation="sepia")
    photo = images.jpeg(320, 240)

    response = booth_post(_url(live_stack, slot), photo=photo, password=slot.secret)

    assert response.got_continue, "the server must answer Expect: 100-continue"
    assert response.status == 200, response.body[:300]
    assert response.headers["content-type"] == "image/jpeg"
    assert int(response.headers["content-length"]) == len(response.body)
    assert response.headers["cache-control"] == "no-store"
    out = images.decode(response.body)
    assert out.size == (320, 240)
    red, green, blue = ImageStat.Stat(out.convert("RGB")).mean
    assert red > green > blue, "sepia toning makes red > green > blue everywhere"
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert job.status == JobStatus.COMPLETED
    assert job.booth_metadata["version"] == "3.30.2"
    assert job.booth_metadata["hash"] == booth_fields()["hash"]
    assert "password" not in job.booth_metadata
    assert job.started_at and job.finished_at and job.finished_at <= job.deadline
    assert Result.objects.filter(job=job).exists()
    # The worker deletes the input just after the final status, i.e. just after the booth's answer.
    assert stored_files("inputs/", settled=True) == []
    job.input_media.refresh_from_db()
    assert job.input_media.is_deleted
    assert stored_files("results/") == [f"results/{job.id}.jpg"]


def test_trailing_slash_url_is_served_not_redirected(live_stack, booth_slot):
    slot = booth_slot(operation="grayscale", params={"output_format": "png"})

    response = booth_post(
        _url(live_stack, slot, "/"),
        photo=images.png(),
        password=slot.secret,
        content_type="image/png",
        filename="shot.png",
    )

    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert images.decode(response.body).mode == "L"


def test_frame_overlay_uses_the_slots_template_image(live_stack, booth_slot):
    frame = TemplateMediaFactory(data=images.encode(images.gradient(64, 48).convert("RGBA"), "PNG"))
    slot = booth_slot(operation="overlay", params={"frame": str(frame.id)})

    response = booth_post(_url(live_stack, slot), photo=images.jpeg(200, 100), password=slot.secret)

    assert response.status == 200
    out = images.decode(response.body)
    assert out.size == (200, 100)
    # An opaque frame covers the photo completely: the output is the frame scaled up.
    expected = images.gradient(64, 48).resize((200, 100))
    assert abs(ImageStat.Stat(out).mean[2] - ImageStat.Stat(expected).mean[2]) < 3


def test_slow_provider_gets_504_at_the_deadline_and_its_task_is_revoked(live_stack, booth_slot, tmp_path, stored_files):
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30})
    probe = tmp_path / "probe.txt"

    response = booth_post(
        _url(live_stack, slot), photo=images.jpeg(), password=slot.secret, fields=booth_fields(probe=str(probe))
    )

    assert response.status == 504
    assert settings.T_SYNC_RESPONSE <= response.elapsed <= settings.T_SYNC_RESPONSE + 1.0, response.elapsed
    body = response.json()
    assert body["error"]["code"] == "failed_timeout"
    job = Job.objects.get(id=body["error"]["job_id"])
    assert job.status == JobStatus.FAILED_TIMEOUT
    assert job.failure_code == "deadline_exceeded"
    assert not Result.objects.filter(job=job).exists()
    assert MediaObject.objects.get(id=job.input_media_id).is_deleted
    assert stored_files("inputs/") == []
    revoked = celery_app.control.inspect(destination=[live_stack.worker_name], timeout=1).revoked()
    assert job.celery_task_id in revoked[live_stack.worker_name]
    # The worker's provider call was interrupted by the revoke, long before its 30 s sleep ended.
    assert _wait_until(lambda: probe.exists() and "interrupted:SoftTimeLimitExceeded" in probe.read_text())
    assert stored_files("results/") == []


@pytest.mark.parametrize(
    ("failure", "code"),
    [("refused", "provider_refused"), ("transient", "provider_error"), ("crash", "internal_error")],
)
def test_provider_failure_gets_502_with_its_code(live_stack, booth_slot, stored_files, failure, code):
    slot = booth_slot(provider="testing", operation="fail", params={"failure": failure})

    response = booth_post(_url(live_stack, slot), photo=images.jpeg(), password=slot.secret)

    assert response.status == 502
    assert response.json()["error"]["code"] == code
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert job.status == JobStatus.FAILED_PROVIDER
    assert job.failure_code == code
    assert stored_files(settled=True) == []


def test_admin_cancelling_the_job_gives_the_waiting_booth_409(live_stack, booth_slot, stored_files):
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 30})
    outcome: dict = {}
    request = threading.Thread(
        target=lambda: outcome.update(r=booth_post(_url(live_stack, slot), photo=images.jpeg(), password=slot.secret))
    )
    request.start()
    assert _wait_until(lambda: Job.objects.filter(slot=slot, status=JobStatus.PROCESSING).exists(), timeout=3)
    job = Job.objects.get(slot=slot)
    cancelled_at = time.monotonic()

    assert job_mark_cancelled(job_id=job.id)
    job_revoke(job=job)
    request.join(timeout=5)

    response = outcome["r"]
    assert response.status == 409
    assert time.monotonic() - cancelled_at < 1.0
    assert response.json()["error"]["job_id"] == str(job.id)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert stored_files("inputs/", settled=True) == []
