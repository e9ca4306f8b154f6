"""The three cleanups, on local disk and on S3, with a controlled clock."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from jobs.cleanup import jobs_sweep_stale, media_sweep_expired, results_sweep_expired
from jobs.models import JobStatus, Result
from media.models import MediaObject
from media.services import storage_write
from tests.factories import JobFactory
from tests.support import images

pytestmark = pytest.mark.django_db


def _media(clock, *, ttl: float, kind: str = "registered") -> MediaObject:
    media_id = uuid.uuid4()
    key = f"{'media' if kind == 'registered' else 'inputs'}/{media_id}.jpg"
    size = storage_write(key=key, content=images.jpeg(32, 24))
    return MediaObject.objects.create(
        id=media_id,
        kind=kind,
        storage_key=key,
        content_type="image/jpeg",
        size=size,
        created_at=clock.now,
        expires_at=clock.now + timedelta(seconds=ttl),
    )


def _result(clock, *, ttl_hours: float = 72) -> Result:
    job = JobFactory(status=JobStatus.COMPLETED, created_at=clock.now - timedelta(seconds=5))
    key = f"results/{job.id}.jpg"
    size = storage_write(key=key, content=images.jpeg(32, 24))
    return Result.objects.create(
        job=job,
        storage_key=key,
        content_type="image/jpeg",
        size=size,
        created_at=clock.now,
        expires_at=clock.now + timedelta(hours=ttl_hours),
    )


def test_expired_media_file_is_deleted_and_its_row_marked(clock, storage_backend, stored_files):
    media = _media(clock, ttl=60)
    clock.advance(59)
    assert media_sweep_expired() == 0
    assert stored_files() == [media.storage_key]

    clock.advance(2)
    assert media_sweep_expired() == 1

    media.refresh_from_db()
    assert media.deleted_at == clock.now
    assert stored_files() == []


def test_pending_job_on_expired_media_ends_failed_timeout_media_expired(clock, storage_backend):
    media = _media(clock, ttl=60)
    job = JobFactory(
        status=JobStatus.PENDING, input_media=media, created_at=clock.now, deadline=clock.now + timedelta(seconds=50)
    )
    clock.advance(61)

    media_sweep_expired()

    job.refresh_from_db()
    assert (job.status, job.failure_code) == (JobStatus.FAILED_TIMEOUT, "media_expired")


def test_stale_active_job_ends_failed_timeout_and_its_input_goes(clock, settings, storage_backend, stored_files):
    media = _media(clock, ttl=50, kind="ingest_input")
    job = JobFactory(
        status=JobStatus.PROCESSING, input_media=media, created_at=clock.now, deadline=clock.now + timedelta(seconds=50)
    )
    clock.advance(50 + settings.STALE_JOB_GRACE_SECONDS - 1)
    assert jobs_sweep_stale() == 0

    clock.advance(1)
    assert jobs_sweep_stale() == 1

    job.refresh_from_db()
    assert (job.status, job.failure_code, job.finished_at) == (JobStatus.FAILED_TIMEOUT, "stale", clock.now)
    assert stored_files() == []


def test_final_jobs_are_never_touched_by_the_stale_sweep(clock):
    jobs = [
        JobFactory(status=status, created_at=clock.now - timedelta(hours=1), deadline=clock.now - timedelta(minutes=59))
        for status in (JobStatus.COMPLETED, JobStatus.FAILED_PROVIDER, JobStatus.CANCELLED)
    ]
    assert jobs_sweep_stale() == 0
    for job in jobs:
        old = job.status
        job.refresh_from_db()
        assert job.status == old


def test_expired_result_file_is_deleted_and_its_row_kept_as_expired(clock, storage_backend, stored_files):
    result = _result(clock, ttl_hours=72)
    clock.advance(72 * 3600 - 1)
    assert results_sweep_expired() == 0

    clock.advance(2)
    assert results_sweep_expired() == 1

    result.refresh_from_db()
    assert result.expired_at == clock.now
    assert stored_files() == []
    assert results_sweep_expired() == 0, "idempotent"


def test_a_file_that_cannot_be_deleted_does_not_stop_the_rest_and_is_retried(clock, storage_backend, stored_files):
    media = [_media(clock, ttl=1) for _ in range(3)]
    clock.advance(2)
    stuck = media[1].storage_key
    default_storage._setup()
    real_delete = type(default_storage._wrapped).delete

    def flaky(storage, name):
        if name == stuck:
            raise OSError("storage unavailable")
        return real_delete(storage, name)

    with mock.patch.object(type(default_storage._wrapped), "delete", flaky):
        assert media_sweep_expired() == 2
    assert stored_files() == [stuck]
    assert MediaObject.objects.get(storage_key=stuck).deleted_at is None

    assert media_sweep_expired() == 1
    assert stored_files() == []


@pytest.mark.django_db(transaction=True)
def test_two_cleanups_running_at_once_delete_each_file_once(clock, storage_backend, stored_files):
    media = [_media(clock, ttl=1) for _ in range(25)]
    results = [_result(clock, ttl_hours=1) for _ in range(10)]
    clock.advance(3601)
    default_storage._setup()
    storage_class = type(default_storage._wrapped)
    real_delete = storage_class.delete
    deletions: Counter[str] = Counter()
    lock = threading.Lock()

    def counting(storage, name):
        with lock:
            deletions[name] += 1
        return real_delete(storage, name)

    removed: list[int] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        barrier.wait()
        try:
            removed.append(media_sweep_expired() + results_sweep_expired())
        finally:
            connection.close()

    with mock.patch.object(storage_class, "delete", counting):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sum(removed) == len(media) + len(results)
    assert set(deletions.values()) == {1}
    assert len(deletions) == len(media) + len(results)
    assert stored_files() == []
