from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from jobs.models import JobStatus, Result
from media.models import MediaObject
from media.services import storage_write
from tests.factories import JobFactory
from tests.support import images

pytestmark = pytest.mark.django_db


def _run(capsys, *args) -> dict:
    call_command("storage_orphans", "--min-age", "0", *args)
    return json.loads(capsys.readouterr().out)["storage"]


def test_orphans_are_reported_then_purged(capsys, storage_backend, stored_files):
    now = timezone.now()
    stray = f"inputs/{uuid.uuid4()}.jpg"
    storage_write(key=stray, content=images.jpeg(8, 8))
    kept = MediaObject.objects.create(
        kind="registered",
        storage_key=f"media/{uuid.uuid4()}.jpg",
        content_type="image/jpeg",
        size=1,
        created_at=now,
        expires_at=now + timedelta(seconds=60),
    )
    storage_write(key=kept.storage_key, content=images.jpeg(8, 8))
    job = JobFactory(status=JobStatus.COMPLETED)
    fileless = Result.objects.create(
        job=job,
        storage_key=f"results/{job.id}.jpg",
        content_type="image/jpeg",
        size=1,
        created_at=now,
        expires_at=now + timedelta(hours=72),
    )

    report = _run(capsys)

    assert report["inputs"]["files_without_row"] == [stray]
    assert report["results"]["rows_without_file"] == [fileless.storage_key]
    assert report["media"] == {"files_without_row": [], "rows_without_file": []}
    assert stray in stored_files()

    _run(capsys, "--purge")

    assert stored_files() == [kept.storage_key]
    fileless.refresh_from_db()
    assert fileless.expired_at is not None
    assert _run(capsys)["inputs"]["files_without_row"] == []


def test_young_files_are_not_reported(capsys, storage_backend):
    storage_write(key=f"inputs/{uuid.uuid4()}.jpg", content=images.jpeg(8, 8))
    call_command("storage_orphans")
    assert json.loads(capsys.readouterr().out)["storage"]["inputs"]["files_without_row"] == []
