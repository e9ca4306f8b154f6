"""DSLR Remote Pro may resend a photo after a timeout or a network error: the same slot and the same
photo (or Idempotency-Key) must not start a second provider call."""

from __future__ import annotations

import threading

import pytest

from jobs.models import Job, JobStatus
from tests.support import images
from tests.support.booth import booth_fields, booth_post

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _post(stack, slot, photo, **kwargs):
    return booth_post(f"{stack.base_url}/ingest/{slot.id}", photo=photo, password=slot.secret, **kwargs)


def test_resending_a_photo_in_flight_attaches_to_the_first_job(live_stack, booth_slot, tmp_path):
    probe = tmp_path / "probe.txt"
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 1.0})
    photo = images.jpeg()
    answers: list = []

    def send() -> None:
        answers.append(_post(live_stack, slot, photo, fields=booth_fields(probe=str(probe))))

    first = threading.Thread(target=send)
    first.start()
    while not Job.objects.filter(slot=slot).exists():
        pass
    send()
    first.join()

    assert [a.status for a in answers] == [200, 200]
    assert answers[0].headers["x-job-id"] == answers[1].headers["x-job-id"]
    assert answers[0].body == answers[1].body
    assert Job.objects.filter(slot=slot).count() == 1
    assert probe.read_text().count("started") == 1, "one provider call"


def test_resending_a_finished_photo_gets_the_stored_result_without_a_new_job(live_stack, booth_slot):
    slot = booth_slot(operation="sepia")
    photo = images.jpeg()

    first = _post(live_stack, slot, photo)
    again = _post(live_stack, slot, photo)

    assert (first.status, again.status) == (200, 200)
    assert again.headers["x-job-id"] == first.headers["x-job-id"]
    assert again.body == first.body
    assert Job.objects.filter(slot=slot).count() == 1


def test_a_different_photo_is_a_new_job(live_stack, booth_slot):
    slot = booth_slot(operation="sepia")
    assert _post(live_stack, slot, images.jpeg(320, 240)).status == 200
    assert _post(live_stack, slot, images.jpeg(321, 240)).status == 200
    assert Job.objects.filter(slot=slot).count() == 2


def test_a_failed_original_is_not_reused_the_retry_runs_again(live_stack, booth_slot):
    slot = booth_slot(provider="testing", operation="fail", params={"failure": "transient"})
    photo = images.jpeg()
    assert _post(live_stack, slot, photo).status == 502
    assert _post(live_stack, slot, photo).status == 502
    assert Job.objects.filter(slot=slot, status=JobStatus.FAILED_PROVIDER).count() == 2
