"""UC4 of docs/spec.md end to end: register a file, nobody fetches it for a minute, the cleaner runs; the link
answers 410 and the job still pending on that file ends failed_timeout."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.cleanup import media_sweep_expired
from jobs.models import JobStatus
from media.models import MediaObject
from tests.factories import JobFactory
from tests.support import images

pytestmark = pytest.mark.django_db


def test_registered_media_expires_and_its_pending_job_fails(api_client, client, clock, storage_backend, stored_files):
    upload = SimpleUploadedFile("ref.jpg", images.jpeg(64, 48), content_type="image/jpeg")
    registered = api_client("media:register").post("/api/media/register", {"file": upload}, format="multipart")
    assert registered.status_code == 201
    body = registered.json()
    link = urlsplit(body["url"]).path
    media = MediaObject.objects.get(id=body["id"])
    job = JobFactory(
        status=JobStatus.PENDING, input_media=media, created_at=clock.now, deadline=clock.now + timedelta(seconds=120)
    )

    clock.advance(59)
    assert client.get(link).status_code == 200
    assert media_sweep_expired() == 0

    clock.advance(2)
    assert client.get(link).status_code == 410, "expired on read, before any cleaner ran"
    assert media_sweep_expired() == 1

    assert client.get(link).status_code == 410
    assert client.post(f"/api/media/{media.id}/extend").status_code == 404
    job.refresh_from_db()
    assert (job.status, job.failure_code) == (JobStatus.FAILED_TIMEOUT, "media_expired")
    media.refresh_from_db()
    assert media.is_deleted
    assert stored_files() == []
