from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from media.models import MediaObject
from media.services import storage_write
from tests.factories import JobFactory
from tests.support import images


@pytest.fixture
def queued_job(db):
    """``queued_job(slot)``: a pending job with its input photo stored, as ingest leaves it."""

    def make(slot, *, seconds: float = 30):
        now = timezone.now()
        job = JobFactory(slot=slot, created_at=now, deadline=now + timedelta(seconds=seconds))
        key = f"inputs/{job.id}.jpg"
        size = storage_write(key=key, content=images.jpeg(64, 48))
        job.input_media = MediaObject.objects.create(
            kind="ingest_input",
            storage_key=key,
            content_type="image/jpeg",
            size=size,
            created_at=now,
            expires_at=job.deadline,
        )
        job.save()
        return job

    return make
