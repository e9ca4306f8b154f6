"""Beat's orphan sweep: files left without a row by an interrupted write go once they are older
than any write-to-commit gap; younger files, files with rows and rows without files stay."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from jobs.cleanup import storage_sweep_orphans
from jobs.models import JobStatus, Result
from media.services import storage_write
from media.storage import PREFIXES
from tests.factories import JobFactory, RegisteredMediaFactory, ResultFactory, TemplateMediaFactory
from tests.support import images

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _stray(prefix: str) -> str:
    key = f"{prefix}/{uuid.uuid4()}.jpg"
    storage_write(key=key, content=images.jpeg(8, 8))
    return key


def test_orphan_files_older_than_the_safe_age_are_deleted_in_every_prefix(
    clock, settings, storage_backend, stored_files
):
    settings.STORAGE_ORPHAN_MIN_AGE_SECONDS = 3600
    owned = [RegisteredMediaFactory().storage_key, TemplateMediaFactory().storage_key, ResultFactory().storage_key]
    strays = [_stray(prefix) for prefix in PREFIXES]
    clock.advance(3600 + 60)
    job = JobFactory(status=JobStatus.COMPLETED)
    fileless = Result.objects.create(
        job=job,
        storage_key=f"results/{job.id}.jpg",
        content_type="image/jpeg",
        size=1,
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )

    assert storage_sweep_orphans() == len(strays)

    assert stored_files() == sorted(owned)
    fileless.refresh_from_db()
    assert fileless.expired_at is None, "rows are the manual command's business"
    assert storage_sweep_orphans() == 0, "idempotent"


def test_a_file_younger_than_the_safe_age_is_kept_though_its_row_is_not_there_yet(clock, settings, stored_files):
    settings.STORAGE_ORPHAN_MIN_AGE_SECONDS = 3600
    committing = _stray("inputs")
    clock.advance(3599)

    assert storage_sweep_orphans() == 0

    assert stored_files() == [committing]


def test_beat_runs_the_orphan_sweep():
    schedule = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["jobs.cleanup_storage_orphans"] == django_settings.STORAGE_ORPHAN_MIN_AGE_SECONDS


def test_a_safe_age_shorter_than_a_request_can_hold_an_uncommitted_file_stops_start_up():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "photochanger.settings.local"}
    env.update(T_SYNC_RESPONSE="50", STORAGE_ORPHAN_MIN_AGE_SECONDS="60")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert "STORAGE_ORPHAN_MIN_AGE_SECONDS" in result.stderr
