"""The booth's text fields kept on a job are capped per job (their total UTF-8 size)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.services import job_create
from media.models import MediaObject
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def _create(metadata: dict[str, str]):
    now = timezone.now()
    job_id = uuid.uuid4()
    media = MediaObject(
        kind="ingest_input",
        storage_key=f"inputs/{job_id}.jpg",
        content_type="image/jpeg",
        size=1,
        created_at=now,
        expires_at=now + timedelta(seconds=50),
    )
    return job_create(job_id=job_id, slot=SlotFactory(), input_media=media, received_at=now, metadata=metadata)


def test_booth_fields_are_kept_in_order_while_their_total_size_fits_the_cap(settings):
    settings.BOOTH_FIELDS_MAX_BYTES = 40
    fields = {"name": "Zoë", "email": "zoe@example.com", "survey": "x" * 30, "late": "y"}

    job = _create(fields)

    job.refresh_from_db()
    # name (4 + 4 bytes: ë is two) and email (5 + 15) fit in 40; survey (36) would not, so it and
    # everything after it are dropped whole rather than cut mid-value.
    assert job.booth_metadata == {"name": "Zoë", "email": "zoe@example.com"}


def test_booth_fields_within_the_cap_are_kept_as_sent(settings):
    settings.BOOTH_FIELDS_MAX_BYTES = 16384
    fields = {f"q{n}": "answer " * 10 for n in range(20)}

    assert _create(fields).booth_metadata == fields
