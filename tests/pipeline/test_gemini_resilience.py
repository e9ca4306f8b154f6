"""Booth → ingest → real worker → google-genai → the stand-in: hedged calls, refusal recovery, the
print's shape, and no call left running past the deadline (T_SYNC_RESPONSE is 2 s here)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from PIL import Image, ImageDraw

from jobs.activity import slot_stats_list, stats_since
from jobs.models import Job, JobStatus
from stats.models import ProviderCall
from tests.factories import TemplateMediaFactory
from tests.support import images
from tests.support.booth import booth_fields, booth_post
from tests.support.gemini_stub import finish, hang, ok

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _post(stack, slot, photo=None, **fields):
    return booth_post(
        f"{stack.base_url}/ingest/{slot.id}",
        photo=photo or images.jpeg(320, 240),
        password=slot.secret,
        fields=booth_fields(**fields),
    )


def _calls(job_id) -> list[tuple[str, str]]:
    """(model, outcome) of the job's recorded provider calls, once the worker has recorded them."""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        rows = list(ProviderCall.objects.filter(job_id=job_id).order_by("model").values_list("model", "outcome"))
        if len(rows) >= 2:
            return rows
        time.sleep(0.05)
    return rows


def test_a_hedge_on_the_fallback_model_answers_and_the_slow_call_is_closed_and_billed(live_stack, booth_slot, gemini):
    gemini.set_model_default("slow-image", hang(5))
    gemini.set_model_default("quick-image", ok(latency=0.1))
    slot = booth_slot(
        provider="gemini",
        operation="edit",
        params={"prompt": "Pop art", "model": "slow-image", "fallback_models": "quick-image", "hedge_after": 0.4},
    )

    response = _post(live_stack, slot)

    assert response.status == 200, response.body[:300]
    assert response.elapsed < 1.5
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert (job.status, job.model) == (JobStatus.COMPLETED, "quick-image")
    [slow] = gemini.calls("slow-image")
    time.sleep(0.3)
    assert slow.disconnected_at is not None and slow.answered_at is None, "the losing call's connection is closed"
    assert _calls(job.id) == [("quick-image", "ok"), ("slow-image", "abandoned")]
    abandoned = ProviderCall.objects.get(job_id=job.id, outcome="abandoned")
    assert abandoned.output_tokens == 1290 and abandoned.priced is False  # no price for a made-up model
    assert abandoned.duration_s == pytest.approx(response.elapsed - 0.4, abs=0.5)


def test_a_refusal_recovered_with_the_refusal_prompt_is_recorded_and_counted(live_stack, booth_slot, gemini):
    gemini.script(finish("IMAGE_SAFETY"), ok())
    slot = booth_slot(
        provider="gemini",
        operation="edit",
        params={"prompt": "Make {name} a zombie", "refusal_prompt": "Make {name} a friendly cartoon"},
    )

    response = _post(live_stack, slot, name="Bo")

    assert response.status == 200, response.body[:300]
    assert [r.prompts for r in gemini.requests] == [["Make Bo a zombie"], ["Make Bo a friendly cartoon"]]
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert (job.recovered_by, job.attempts) == ("refusal_prompt", 2)
    [stats] = slot_stats_list(since=stats_since(), slot_id=slot.id)
    assert (stats.counts[JobStatus.COMPLETED], stats.recovered) == (1, 1)


def _banded_portrait(width: int, height: int, band: int) -> bytes:
    """White, with a black band along the top and bottom edges and grey ones along the sides."""
    img = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, width - 1, band - 1], fill=(0, 0, 0))
    draw.rectangle([0, height - band, width - 1, height - 1], fill=(0, 0, 0))
    draw.rectangle([0, band, band - 1, height - band - 1], fill=(128, 128, 128))
    draw.rectangle([width - band, band, width - 1, height - band - 1], fill=(128, 128, 128))
    return images.encode(img, "JPEG", quality=95)


def test_a_portrait_photo_with_a_landscape_style_image_comes_back_portrait_and_uncropped(
    live_stack, booth_slot, gemini
):
    style = TemplateMediaFactory(data=images.png(400, 225))  # 16:9
    slot = booth_slot(
        provider="gemini",
        operation="style_transfer",
        params={"prompt": "Watercolour", "style_images": [str(style.id)]},
    )
    # 240 x 330 is no supported ratio: the nearest is 3:4, which the result is cropped back from.
    photo = _banded_portrait(240, 330, band=16)

    response = _post(live_stack, slot, photo)

    assert response.status == 200, response.body[:300]
    assert gemini.requests[0].aspect_ratio == "3:4"
    result = images.decode(response.body).convert("L")
    assert result.size == (240, 330)
    # The stand-in inverts: the black bands come back white, the grey ones stay grey, the middle
    # black. Rounding to 3:4 and back costs at most 5 px at an edge: each 16 px band must still
    # show 10 px in. (Drawn 16:9, as without an aspect ratio, the side bands were cut off.)
    for y in (2, 10, 319, 327):
        assert result.getpixel((120, y)) > 200, f"top/bottom band cut at y={y}"
    for x in (2, 10, 229, 237):
        assert 90 < result.getpixel((x, 165)) < 170, f"side band cut at x={x}"
    assert result.getpixel((120, 165)) < 40


def test_a_hedged_job_at_its_deadline_leaves_no_call_running(live_stack, booth_slot, gemini):
    gemini.default = hang(30)
    slot = booth_slot(
        provider="gemini",
        operation="edit",
        params={"prompt": "Slow", "fallback_models": "also-slow", "hedge_after": 0.3},
    )

    response = _post(live_stack, slot)

    assert response.status == 504
    job = Job.objects.get(id=response.json()["error"]["job_id"])
    assert len(gemini.requests) == 2
    time.sleep(1.0)
    ends = [r.disconnected_at for r in gemini.requests]
    assert all(end is not None and end < job.deadline.timestamp() + 0.5 for end in ends), ends
    assert settings.T_SYNC_RESPONSE <= response.elapsed <= settings.T_SYNC_RESPONSE + 1.0
