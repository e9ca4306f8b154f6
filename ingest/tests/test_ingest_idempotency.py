"""A booth's resend (same photo bytes, with or without an Idempotency-Key) is answered by its
original job; a key names exactly one photo."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import hypothesis
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from ingest.selectors import IdempotencyKeyReused
from ingest.services import PhotoAlreadyAccepted, ingest_accept
from jobs.models import Job, JobStatus
from media.images import image_check
from tests.factories import JobFactory, ResultFactory, SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db

PHOTO = images.jpeg(320, 240)
OTHER_PHOTO = images.jpeg(321, 240)
RESULT = images.jpeg(64, 48)
ORIGINAL_STATUS = {
    "in flight": JobStatus.PROCESSING,
    "completed": JobStatus.COMPLETED,
    "failed": JobStatus.FAILED_PROVIDER,
}
# A short life for the jobs here: a resend attached to one in flight waits until its deadline.
SHORT_DEADLINE = timedelta(seconds=0.3)


def _sha256(photo: bytes) -> str:
    return hashlib.sha256(photo).hexdigest()


def _upload(photo: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("IMG_0001.JPG", photo, content_type="image/jpeg")


def _post(client, slot, photo, *, key: str | None = None):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(f"/ingest/{slot.id}", {"password": slot.secret, "fileToUpload": _upload(photo)}, **headers)


def _original(slot, status, *, photo=PHOTO, key=""):
    job = JobFactory(
        slot=slot,
        status=status,
        input_sha256=_sha256(photo),
        idempotency_key=key,
        deadline=timezone.now() + SHORT_DEADLINE,
    )
    if status == JobStatus.COMPLETED:
        ResultFactory(job=job, data=RESULT)
    return job


@hypothesis.settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    original_key=st.sampled_from(["", "shot-1"]),
    resend_key=st.sampled_from(["none", "same", "new"]),
    state=st.sampled_from(list(ORIGINAL_STATUS)),
)
def test_a_resent_photo_attaches_to_its_live_original_or_runs_again_and_never_fails(
    client, settings, workers_marked_alive, original_key, resend_key, state
):
    settings.T_SYNC_RESPONSE = SHORT_DEADLINE.total_seconds()
    slot = SlotFactory()
    original = _original(slot, ORIGINAL_STATUS[state], key=original_key)
    key = {"none": None, "same": original_key or None, "new": "shot-2"}[resend_key]

    response = _post(client, slot, PHOTO, key=key)

    if state == "failed":  # a failed original is not reused: the resend gets its own try
        assert response["X-Job-Id"] != str(original.id)
        assert Job.objects.filter(slot=slot).count() == 2
    else:
        assert response["X-Job-Id"] == str(original.id)
        assert Job.objects.filter(slot=slot).count() == 1
    if state == "completed":
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == RESULT


def test_a_key_reused_with_another_photo_is_refused_not_answered_with_the_first_photo(client, stored_files):
    slot = SlotFactory()
    _original(slot, JobStatus.COMPLETED, photo=PHOTO, key="3")

    response = _post(client, slot, OTHER_PHOTO, key="3")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Job.objects.filter(slot=slot).count() == 1


def test_a_key_reused_with_another_photo_is_refused_at_once_while_the_first_is_in_flight(client):
    slot = SlotFactory()
    _original(slot, JobStatus.PROCESSING, photo=PHOTO, key="3")

    response = _post(client, slot, OTHER_PHOTO, key="3")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("k" * 201, id="longer-than-200"),
        pytest.param("shot\x00-1", id="nul"),
        pytest.param("shot\n1", id="control-character"),
        pytest.param("ключ", id="not-ascii"),
    ],
)
def test_an_unusable_idempotency_key_is_refused_not_cut_or_stored(client, key, stored_files):
    slot = SlotFactory()

    response = _post(client, slot, PHOTO, key=key)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert Job.objects.count() == 0
    assert stored_files() == []


def test_a_key_of_200_characters_is_kept_whole(client, settings, workers_marked_alive):
    settings.T_SYNC_RESPONSE = SHORT_DEADLINE.total_seconds()
    slot = SlotFactory()
    key = "k" * 199 + "z"

    _post(client, slot, PHOTO, key=key)

    assert Job.objects.get(slot=slot).idempotency_key == key


# --- Two requests racing past the lookup: the database's one-active-job rule decides ----------


def _accept(slot, photo, *, key: str) -> Job:
    upload = _upload(photo)
    image = image_check(upload, max_pixels=django_settings.IMAGE_MAX_PIXELS)
    return ingest_accept(
        slot=slot,
        upload=upload,
        image=image,
        metadata={},
        received_at=timezone.now(),
        input_sha256=_sha256(photo),
        idempotency_key=key,
    )


def test_a_photo_that_raced_its_resend_with_a_new_key_attaches_to_the_job_in_flight(stored_files):
    slot = SlotFactory()
    original = _original(slot, JobStatus.PROCESSING, key="shot-1")

    with pytest.raises(PhotoAlreadyAccepted) as raced:
        _accept(slot, PHOTO, key="shot-2")

    assert raced.value.job == original
    assert Job.objects.filter(slot=slot).count() == 1
    assert stored_files("inputs/") == []


def test_a_key_that_raced_with_another_photo_is_refused(stored_files):
    slot = SlotFactory()
    _original(slot, JobStatus.PROCESSING, photo=PHOTO, key="3")

    with pytest.raises(IdempotencyKeyReused):
        _accept(slot, OTHER_PHOTO, key="3")

    assert Job.objects.filter(slot=slot).count() == 1
    assert stored_files("inputs/") == []
