"""Test runs from a slot's admin page: a photo through the slot's real pipeline, shown beside the result."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import ValidationFailed
from ingest.testrun import job_test_run
from jobs.activity import slot_stats_list, stats_since
from jobs.models import Job, JobStatus
from tests.factories import JobFactory, ResultFactory, SlotFactory
from tests.support import images


def url(slot) -> str:
    return f"/admin/slots/slot/{slot.id}/test-run/"


def photo(data: bytes | None = None, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else images.jpeg(640, 480), content_type="image/jpeg")


# --- the page (pipeline replaced; the real one is below) -----------------------------------------


@pytest.mark.django_db
def test_the_page_offers_an_upload_form(admin_client):
    slot = SlotFactory()

    response = admin_client.get(url(slot))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html and 'name="photo"' in html and 'name="booth_fields"' in html
    assert 'id="slot-test-run-link"' in admin_client.get(f"/admin/slots/slot/{slot.id}/change/").content.decode()


@pytest.mark.django_db
def test_the_result_is_shown_beside_the_original(admin_client, monkeypatch):
    slot = SlotFactory()
    calls = []

    def fake_test_run(*, slot, upload, fields):
        calls.append((slot.id, upload.read(), fields))
        job = JobFactory(slot=slot, status="completed", is_test_run=True)
        ResultFactory(job=job)
        return job

    monkeypatch.setattr("console.admin_views.job_test_run", fake_test_run)
    data = images.jpeg(640, 480)

    response = admin_client.post(url(slot), {"photo": photo(data), "booth_fields": "name = Alice\n\nstyle=pop"})

    assert response.status_code == 200
    [(slot_id, sent, fields)] = calls
    assert (slot_id, sent, fields) == (slot.id, data, {"name": "Alice", "style": "pop"})
    job = Job.objects.get()
    html = response.content.decode()
    original = response.context["original_image"]
    assert original.startswith("data:image/jpeg;base64,") and f'<img src="{original}"' in html
    assert f'src="/admin/jobs/job/{job.id}/thumbnail/result/?size=preview"' in html
    assert "Test run finished: Completed." in [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_a_failed_run_shows_the_failure(admin_client, monkeypatch):
    slot = SlotFactory()
    job = JobFactory(slot=slot, status="failed_provider", failure_code="provider_refused", is_test_run=True)
    Job.objects.filter(id=job.id).update(failure_message="Blocked for safety reasons.")
    monkeypatch.setattr("console.admin_views.job_test_run", lambda **kwargs: Job.objects.get(id=job.id))

    html = admin_client.post(url(slot), {"photo": photo()}).content.decode()

    assert "Outcome: Failed: provider (provider_refused)" in html
    assert "Blocked for safety reasons." in html
    assert "No result image." in html


@pytest.mark.django_db
def test_a_file_the_booth_endpoint_would_refuse_is_refused(admin_client):
    slot = SlotFactory()

    response = admin_client.post(url(slot), {"photo": photo(b"GIF89a not really")})

    [message] = response.context["form"].errors["photo"]
    assert message.startswith("Not a usable JPEG, PNG, WebP, HEIC/HEIF or AVIF image")
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_malformed_booth_field_line_is_refused(admin_client):
    response = admin_client.post(url(SlotFactory()), {"photo": photo(), "booth_fields": "name Alice"})

    assert response.context["form"].errors["booth_fields"] == ["Line 1: write each field as name=value."]


@pytest.mark.django_db
def test_a_disabled_slot_cannot_be_test_run(admin_client):
    slot = SlotFactory(is_active=False)

    response = admin_client.post(url(slot), {"photo": photo()})

    assert "This slot is disabled" in response.context["form"].non_field_errors()[0]
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_test_run_needs_the_change_permission(client_for):
    slot = SlotFactory()

    assert client_for(perms=("slots.view_slot",)).get(url(slot)).status_code == 403


@pytest.mark.django_db
def test_too_large_photos_are_refused_before_anything_is_stored(settings, stored_files):
    settings.UPLOAD_MAX_BYTES = 1000
    slot = SlotFactory()

    with pytest.raises(ValidationFailed) as refused:
        job_test_run(slot=slot, upload=photo(images.jpeg(640, 480)))

    assert refused.value.fields == {"photo": ["The photo is larger than the 0.000953674 MB limit."]}
    assert stored_files() == []


# --- the real pipeline: web process -> Redis -> the live stack's Celery worker ---------------


@pytest.mark.pipeline
@pytest.mark.django_db(transaction=True)
def test_a_test_run_goes_through_the_real_worker_and_is_not_counted(live_stack, stored_files):
    slot = SlotFactory(provider="local", operation="sepia")
    data = images.jpeg(320, 240)

    job = job_test_run(slot=slot, upload=photo(data), fields={"name": "Alice"})

    assert job.status == JobStatus.COMPLETED, (job.failure_code, job.failure_message)
    assert job.is_test_run and job.booth_metadata == {"name": "Alice"}
    assert job.attempts == 1 and job.started_at is not None
    result = Image.open(io.BytesIO(open_result(job)))
    assert result.size == (320, 240)
    assert stored_files("inputs/", settled=True) == [], "the input is deleted as for any booth photo"
    [stats] = slot_stats_list(since=stats_since(), slot_id=slot.id)
    assert stats.total == 0 and stats.recent_results == []


def open_result(job) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(job.result.storage_key, "rb") as handle:
        return handle.read()
