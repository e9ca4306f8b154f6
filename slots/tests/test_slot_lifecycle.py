"""Slot services after creation: versioned updates, template links, secret rotation, and what
disabling or deleting a slot does to its pending jobs and to a booth waiting on one."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from core.errors import ApplicationError, Conflict, ValidationFailed
from jobs.models import Job
from slots.models import Slot, SlotTemplateMedia
from slots.services import (
    slot_delete,
    slot_secret_matches,
    slot_secret_rotate,
    slot_update,
)
from tests.factories import JobFactory, SlotFactory, TemplateMediaFactory
from tests.support import images


@pytest.mark.django_db
def test_an_update_moves_the_template_links_with_the_params():
    old, new = TemplateMediaFactory(), TemplateMediaFactory()
    slot = SlotFactory(operation="overlay", params={"frame": str(old.id)})

    slot = slot_update(slot=slot, version=1, data={"params": {"frame": str(new.id)}})

    assert list(slot.template_media.all()) == [new]
    assert slot.version == 2


@pytest.mark.django_db
def test_switching_to_an_operation_without_templates_drops_the_links():
    slot = SlotFactory(operation="overlay", params={"frame": str(TemplateMediaFactory().id)})

    slot_update(slot=slot, version=1, data={"operation": "sepia", "params": {}})

    assert not SlotTemplateMedia.objects.filter(slot=slot).exists()


@pytest.mark.django_db
def test_a_refused_update_changes_nothing():
    slot = SlotFactory(operation="fit", params={"width": 10, "height": 10})

    with pytest.raises(ValidationFailed) as caught:
        slot_update(slot=slot, version=1, data={"name": "New", "params": {"width": -1, "height": 10}})

    assert list(caught.value.fields) == ["params.width"]
    stored = Slot.objects.get(id=slot.id)
    assert (stored.name, stored.params["width"], stored.version) == (slot.name, 10, 1)


@pytest.mark.django_db
def test_a_stale_version_conflicts_with_the_current_version_and_changes_nothing():
    slot = SlotFactory(name="Before")
    slot_update(slot=Slot.objects.get(id=slot.id), version=1, data={"name": "First"})

    with pytest.raises(Conflict) as caught:
        slot_update(slot=slot, version=1, data={"name": "Second"})

    assert (caught.value.code, caught.value.extra) == ("version_conflict", {"current_version": 2})
    assert Slot.objects.get(id=slot.id).name == "First"


@pytest.mark.django_db
def test_updating_a_slot_deleted_meanwhile_is_not_found():
    slot = SlotFactory()
    Slot.objects.filter(id=slot.id).delete()

    with pytest.raises(ApplicationError) as caught:
        slot_update(slot=slot, version=1, data={"name": "Gone"})

    assert caught.value.status == 404


@pytest.mark.django_db
def test_slot_update_refuses_fields_it_does_not_manage():
    with pytest.raises(TypeError, match="secret_hash"):
        slot_update(slot=SlotFactory(), version=1, data={"secret_hash": "x"})


@pytest.mark.django_db
def test_rotation_bumps_the_version_and_only_the_new_secret_matches():
    slot = SlotFactory()

    rotated, secret = slot_secret_rotate(slot=slot, version=1)

    assert rotated.version == 2
    assert slot_secret_matches(slot=rotated, secret=secret)
    assert not slot_secret_matches(slot=rotated, secret=slot.secret)


@pytest.mark.django_db
def test_editing_an_inactive_slot_cancels_a_job_queued_after_it_was_disabled():
    slot = SlotFactory(is_active=False)
    straggler = JobFactory(status="pending", slot=slot)

    slot_update(slot=slot, version=1, data={"name": "Still off"})

    assert Job.objects.get(id=straggler.id).status == "cancelled"


@pytest.mark.django_db
def test_deleting_a_slot_cancels_its_pending_jobs_and_keeps_them():
    slot = SlotFactory()
    job = JobFactory(status="pending", slot=slot)

    slot_delete(slot=slot)

    job.refresh_from_db()
    assert (job.status, job.slot_id, job.failure_code) == ("cancelled", None, "cancelled")
    assert not Slot.objects.filter(id=slot.id).exists()


def _wait_for(find, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found is not None:
            return found
        time.sleep(0.02)
    raise AssertionError("timed out")


@pytest.mark.django_db(transaction=True)
def test_a_booth_waiting_on_a_slot_that_gets_disabled_is_answered_409_at_once(
    api_client, stored_files, settings, workers_marked_alive
):
    # A deadline far enough away that only the cancellation, not the timeout, can end the wait.
    settings.T_SYNC_RESPONSE = 10
    slot = SlotFactory()
    admin = api_client("slots:write")
    answers: dict = {}

    def booth() -> None:
        try:
            photo = SimpleUploadedFile("IMG_0003.JPG", images.jpeg(), content_type="image/jpeg")
            # No worker serves this Redis database: the job stays pending until the admin acts.
            answers["booth"] = Client().post(f"/ingest/{slot.id}", {"password": slot.secret, "fileToUpload": photo})
        finally:
            connection.close()

    thread = threading.Thread(target=booth)
    thread.start()
    job = _wait_for(lambda: Job.objects.filter(slot=slot).first())
    disabled = admin.patch(f"/api/slots/{slot.id}/", {"is_active": False}, format="json", HTTP_IF_MATCH="1")
    disabled_at = time.monotonic()
    thread.join(timeout=15)

    assert time.monotonic() - disabled_at < 3

    assert disabled.status_code == 200, disabled.content
    answer = answers["booth"]
    assert answer.status_code == 409, answer.content
    assert answer.json()["error"] == {
        "code": "cancelled",
        "message": "The job was cancelled by an administrator.",
        "job_id": str(job.id),
    }
    assert stored_files("inputs/") == []
