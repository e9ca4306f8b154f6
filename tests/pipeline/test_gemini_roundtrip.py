"""Booth → ingest → real worker → the real google-genai SDK → the stand-in Gemini server."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from PIL import ImageChops, ImageStat

from jobs.models import Job, JobStatus, Result
from tests.factories import TemplateMediaFactory
from tests.support import images
from tests.support.booth import booth_fields, booth_post
from tests.support.gemini_stub import blocked, error, finish, hang, ok

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _post(stack, slot, photo=None, **fields):
    return booth_post(
        f"{stack.base_url}/ingest/{slot.id}",
        photo=photo or images.jpeg(320, 240),
        password=slot.secret,
        fields=booth_fields(**fields),
    )


def _edit_slot(booth_slot, **params):
    return booth_slot(provider="gemini", operation="edit", params={"prompt": "Make it pop", **params})


def _is_inverted(result: bytes, photo: bytes) -> bool:
    """The stand-in inverts the photo; JPEG round trips blur pixels a little."""
    inverted = ImageChops.invert(images.decode(photo).convert("RGB"))
    difference = ImageChops.difference(images.decode(result).convert("RGB"), inverted)
    return max(ImageStat.Stat(difference).mean) < 8


def test_style_transfer_sends_prompt_photo_and_templates_in_order(live_stack, booth_slot, gemini):
    styles = [TemplateMediaFactory(data=images.png(40 + i, 30)) for i in range(2)]
    slot = booth_slot(
        provider="gemini",
        operation="style_transfer",
        params={"prompt": "Paint {name} in {style} style", "style_images": [str(s.id) for s in styles]},
    )
    photo = images.jpeg(320, 240)

    response = _post(live_stack, slot, photo, name="Alice")

    assert response.status == 200, response.body[:300]
    assert _is_inverted(response.body, photo)
    [seen] = gemini.requests
    assert seen.prompts == ["Paint Alice in  style"]
    assert [(w, h) for _, w, h, _ in seen.images] == [(320, 240), (40, 30), (41, 30)]
    assert (seen.model, seen.api_version) == ("gemini-2.5-flash-image", "v1beta")
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert (job.status, job.model, job.attempts) == (JobStatus.COMPLETED, "gemini-2.5-flash-image", 1)
    assert job.usage["total_token_count"] > 0


def test_rate_limit_then_success_within_the_deadline(live_stack, booth_slot, gemini):
    gemini.script(error(429, "Quota exceeded", retry_delay=0.3), ok())
    slot = _edit_slot(booth_slot)

    response = _post(live_stack, slot)

    assert response.status == 200
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert job.attempts == 2
    assert len({r.api_key for r in gemini.requests}) == 2, "keys are used round-robin"
    assert gemini.requests[1].at - gemini.requests[0].at >= 0.3


def test_persistent_503_gets_502_provider_error_before_the_deadline(live_stack, booth_slot, gemini):
    gemini.default = error(503, "Overloaded")
    slot = _edit_slot(booth_slot)

    response = _post(live_stack, slot)

    assert response.status == 502
    assert response.json()["error"]["code"] == "provider_error"
    assert response.elapsed < settings.T_SYNC_RESPONSE
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert job.status == JobStatus.FAILED_PROVIDER
    assert job.attempts == len(gemini.requests) >= 2


def test_persistent_429_gets_502_provider_quota(live_stack, booth_slot, gemini):
    gemini.default = error(429, "Quota exceeded", retry_delay=0.2)

    response = _post(live_stack, _edit_slot(booth_slot))

    assert response.status == 502
    assert response.json()["error"]["code"] == "provider_quota"


def test_a_large_photo_is_decoded_once_by_the_web_check_and_sent_in_gemini_form(live_stack, booth_slot, gemini):
    slot = _edit_slot(booth_slot)

    response = _post(live_stack, slot, images.jpeg(2400, 1800))

    assert response.status == 200, response.body[:300]
    assert [(mime, w, h) for mime, w, h, _ in gemini.requests[0].images] == [("image/jpeg", 2048, 1536)]
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert (job.input_prepared, job.photo_width, job.photo_height) == (True, 2400, 1800)
    assert images.decode(response.body).size == (2400, 1800)


def test_hanging_gemini_gets_504_at_the_deadline_and_the_late_answer_is_discarded(
    live_stack, booth_slot, gemini, stored_files
):
    gemini.default = hang(3.5)
    slot = _edit_slot(booth_slot)

    response = _post(live_stack, slot)

    assert response.status == 504
    assert settings.T_SYNC_RESPONSE <= response.elapsed <= settings.T_SYNC_RESPONSE + 1.0, response.elapsed
    job = Job.objects.get(id=response.json()["error"]["job_id"])
    time.sleep(2.0)  # the stand-in answers after 3.5 s: past the deadline, nobody must keep it
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED_TIMEOUT
    assert not Result.objects.filter(job=job).exists()
    assert stored_files(settled=True) == []


@pytest.mark.parametrize("refusal", [blocked("SAFETY"), finish("IMAGE_SAFETY")], ids=["prompt-blocked", "image-safety"])
def test_safety_block_gets_502_provider_refused(live_stack, booth_slot, gemini, refusal):
    gemini.default = refusal

    response = _post(live_stack, _edit_slot(booth_slot))

    assert response.status == 502
    assert response.json()["error"]["code"] == "provider_refused"
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert "SAFETY" in job.failure_message
    assert len(gemini.requests) == 1, "a refusal is never retried"


def test_fallback_model_answers_when_the_first_model_fails(live_stack, booth_slot, gemini):
    gemini.set_model_default("gemini-broken", error(404, "Model not found"))
    slot = _edit_slot(booth_slot, model="gemini-broken", fallback_models="gemini-backup")

    response = _post(live_stack, slot)

    assert response.status == 200
    assert [r.model for r in gemini.requests] == ["gemini-broken", "gemini-backup"]
    assert Job.objects.get(id=response.headers["x-job-id"]).model == "gemini-backup"


@pytest.mark.parametrize(("match", "size"), [(True, (320, 240)), (False, (512, 512))])
def test_output_size_follows_match_input_size(live_stack, booth_slot, gemini, match, size):
    gemini.default = ok(output_size=(512, 512))

    response = _post(live_stack, _edit_slot(booth_slot, match_input_size=match))

    assert response.status == 200
    assert images.decode(response.body).size == size
