"""Admission of booth requests sent at the same moment: the slot's cap on jobs in flight holds under
a burst, resends waiting on a job are bounded, and an admin's change to the slot while a photo is
being uploaded and checked (delete, disable, new password, new operation) is what the job sees."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.utils import timezone

import ingest.apis
import ingest.services
import media.uploads
from jobs.models import Job, JobStatus
from media.models import MediaObject
from slots.models import Slot
from slots.services import slot_secret_rotate, slot_update
from tests.factories import JobFactory, SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db(transaction=True)

PHOTO = images.jpeg(320, 240)


def _post(slot: Slot, photo: bytes, *, client: Client | None = None, password: str = "") -> tuple[int, float]:
    """One booth request from its own thread: (status, seconds it took)."""
    started = time.monotonic()
    try:
        upload = SimpleUploadedFile("IMG_0001.JPG", photo, content_type="image/jpeg")
        fields = {"password": password or slot.secret, "fileToUpload": upload}
        response = (client or Client()).post(f"/ingest/{slot.id}", fields)
        return response.status_code, time.monotonic() - started
    finally:
        connections.close_all()  # this thread's own connection, so the test database can be dropped


def _all_at_once(calls: list[Callable[[], tuple[int, float]]]) -> list[tuple[int, float]]:
    barrier = threading.Barrier(len(calls))
    answers: list[tuple[int, float]] = []

    def run(call: Callable[[], tuple[int, float]]) -> None:
        barrier.wait()
        answers.append(call())

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _in_flight(slot: Slot, photo: bytes, *, seconds_left: float) -> Job:
    return JobFactory(
        slot=slot,
        status=JobStatus.PROCESSING,
        input_sha256=hashlib.sha256(photo).hexdigest(),
        deadline=timezone.now() + timedelta(seconds=seconds_left),
    )


def _slow_liveness_read() -> bool:
    time.sleep(0.05)
    return True


def test_a_burst_of_distinct_photos_never_puts_more_than_the_cap_in_flight(settings, monkeypatch):
    settings.SLOT_MAX_IN_FLIGHT = 5
    settings.T_SYNC_RESPONSE = 6  # no admitted job ends (and frees its place) during the burst
    # A Redis under load: the liveness read between the capacity check and the insert is slow.
    monkeypatch.setattr(ingest.apis, "workers_alive", _slow_liveness_read)
    slot = SlotFactory()

    answers = _all_at_once([partial(_post, slot, images.jpeg(320 + i, 240)) for i in range(30)])

    assert Job.objects.filter(slot=slot).count() == 5
    assert sorted(status for status, _ in answers) == [429] * 25 + [504] * 5
    assert max(seconds for status, seconds in answers if status == 429) < settings.T_SYNC_RESPONSE


def test_resends_of_one_photo_past_the_job_bound_get_429_at_once(settings):
    settings.JOB_MAX_WAITING_RETRIES = 2
    settings.SLOT_MAX_WAITING_RETRIES = 0
    slot = SlotFactory()
    _in_flight(slot, PHOTO, seconds_left=3)

    answers = _all_at_once([partial(_post, slot, PHOTO) for _ in range(6)])

    assert sorted(status for status, _ in answers) == [429] * 4 + [504] * 2
    assert all(seconds < 2 for status, seconds in answers if status == 429)
    assert Job.objects.filter(slot=slot).count() == 1


def test_resends_waiting_on_a_slot_are_bounded_across_its_jobs(settings):
    settings.JOB_MAX_WAITING_RETRIES = 0
    settings.SLOT_MAX_WAITING_RETRIES = 2
    slot = SlotFactory()
    photos = [images.jpeg(320 + i, 240) for i in range(3)]
    for photo in photos:
        _in_flight(slot, photo, seconds_left=3)

    answers = _all_at_once([partial(_post, slot, photo) for photo in photos + photos])

    assert sorted(status for status, _ in answers) == [429] * 4 + [504] * 2
    assert all(seconds < 2 for status, seconds in answers if status == 429)


def test_a_resend_that_dies_while_waiting_gives_its_place_back(settings, monkeypatch):
    settings.JOB_MAX_WAITING_RETRIES = 1
    slot = SlotFactory()
    _in_flight(slot, PHOTO, seconds_left=30)

    def request_dies(*, job: Job) -> Job:
        raise RuntimeError("the web thread died while waiting")

    monkeypatch.setattr(ingest.apis, "ingest_await", request_dies)
    client = Client(raise_request_exception=False)

    # A refused resend would be a 429: each one got the place the one before gave back.
    assert [_post(slot, PHOTO, client=client)[0] for _ in range(3)] == [500, 500, 500]


def _post_while_an_admin(slot: Slot, monkeypatch, change: Callable[[], object]):
    """A booth request during which an admin ``change``s the slot: after the request read the slot
    and checked the password, while the photo is being checked (the slow part)."""
    real_image_check = media.uploads.image_check

    def check_then_change_the_slot(*args, **kwargs):
        checked = real_image_check(*args, **kwargs)
        change()
        return checked

    monkeypatch.setattr(media.uploads, "image_check", check_then_change_the_slot)
    upload = SimpleUploadedFile("IMG_0001.JPG", PHOTO, content_type="image/jpeg")
    return Client().post(f"/ingest/{slot.id}", {"password": slot.secret, "fileToUpload": upload})


def _kept_nothing(stored_files) -> bool:
    return Job.objects.count() == 0 and MediaObject.objects.count() == 0 and stored_files() == []


def test_a_slot_deleted_while_its_photo_is_checked_gets_404_and_keeps_nothing(
    monkeypatch, workers_marked_alive, stored_files
):
    slot = SlotFactory()

    response = _post_while_an_admin(slot, monkeypatch, Slot.objects.filter(id=slot.id).delete)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "slot_not_found"
    assert _kept_nothing(stored_files)


def test_a_slot_disabled_while_its_photo_is_checked_gets_403_and_keeps_nothing(
    monkeypatch, workers_marked_alive, stored_files
):
    slot = SlotFactory()

    response = _post_while_an_admin(
        slot, monkeypatch, lambda: slot_update(slot=Slot.objects.get(id=slot.id), version=1, data={"is_active": False})
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "slot_disabled"
    assert _kept_nothing(stored_files)


def test_a_password_rotated_while_its_photo_is_checked_gets_401_and_keeps_nothing(
    monkeypatch, workers_marked_alive, stored_files
):
    slot = SlotFactory()

    response = _post_while_an_admin(
        slot, monkeypatch, lambda: slot_secret_rotate(slot=Slot.objects.get(id=slot.id), version=1)
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_password"
    assert _kept_nothing(stored_files)


def test_an_operation_changed_while_its_photo_is_checked_runs_the_new_operation(
    settings, monkeypatch, workers_marked_alive
):
    settings.T_SYNC_RESPONSE = 1  # no worker runs here: the booth's wait ends soon
    slot = SlotFactory(operation="sepia", params={"strength": 0.5})
    new_operation = {"operation": "grayscale", "params": {}}

    _post_while_an_admin(
        slot, monkeypatch, lambda: slot_update(slot=Slot.objects.get(id=slot.id), version=1, data=new_operation)
    )

    job = Job.objects.get(slot=slot)
    assert (job.provider, job.operation, job.params) == ("local", "grayscale", Slot.objects.get(id=slot.id).params)


def test_a_burst_of_wrong_passwords_gets_no_more_tries_than_the_limit(settings, monkeypatch):
    settings.INGEST_AUTH_FAILURE_LIMIT = 3
    slot = SlotFactory()
    fast_redis = ingest.guards.broker_client()

    class SlowRedis:  # a Redis under load: each reply takes a while
        def __getattr__(self, name):
            command = getattr(fast_redis, name)
            return lambda *args, **kwargs: (time.sleep(0.05), command(*args, **kwargs))[1]

    monkeypatch.setattr(ingest.guards, "broker_client", SlowRedis)

    answers = _all_at_once([partial(_post, slot, PHOTO, password="guess") for _ in range(12)])

    assert sorted(status for status, _ in answers) == [401] * 3 + [429] * 9


def test_an_interrupt_after_the_job_committed_keeps_its_photo_for_the_worker(
    monkeypatch, workers_marked_alive, stored_files
):
    """A web process told to stop between COMMIT and the enqueue must not take the photo of a job
    that exists: the stale-job sweep ends it, but it must never be a job without its input."""
    slot = SlotFactory()
    real_job_create = ingest.services.job_create

    def create_then_get_interrupted(**kwargs):
        real_job_create(**kwargs)
        raise KeyboardInterrupt  # e.g. gunicorn's graceful-shutdown signal, just after the commit

    monkeypatch.setattr(ingest.services, "job_create", create_then_get_interrupted)
    upload = SimpleUploadedFile("IMG_0001.JPG", PHOTO, content_type="image/jpeg")

    with pytest.raises(KeyboardInterrupt):
        Client().post(f"/ingest/{slot.id}", {"password": slot.secret, "fileToUpload": upload})

    job = Job.objects.get(slot=slot)
    assert job.status == JobStatus.PENDING
    assert stored_files("inputs/") == [job.input_media.storage_key]
