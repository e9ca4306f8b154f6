"""``POST /api/jobs/{id}/cancel``: active jobs end ``cancelled``, final ones are 409."""

from __future__ import annotations

import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from core.errors import Conflict
from jobs.models import FINAL_STATUSES, Job, JobStatus
from jobs.services import job_cancel
from jobs.waiting import job_wait
from media.models import MediaObject
from media.services import storage_write
from tests.factories import JobFactory
from tests.support import images

pytestmark = pytest.mark.django_db


def cancel_url(job_id) -> str:
    return f"/api/jobs/{job_id}/cancel"


def _with_input(job: Job) -> Job:
    now = timezone.now()
    key = f"inputs/{job.id}.jpg"
    size = storage_write(key=key, content=images.jpeg(32, 32))
    job.input_media = MediaObject.objects.create(
        kind="ingest_input",
        storage_key=key,
        content_type="image/jpeg",
        size=size,
        created_at=now,
        expires_at=now + timedelta(seconds=50),
    )
    job.save(update_fields=["input_media"])
    return job


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.PROCESSING])
def test_an_active_job_is_cancelled_and_stamped_finished(api_client, status):
    job = JobFactory(status=status)

    response = api_client("jobs:write").post(cancel_url(job.id))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(job.id)
    assert body["status"] == "cancelled"
    assert body["finished_at"] is not None
    assert body["failure_code"] == "cancelled"
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.finished_at is not None


@pytest.mark.parametrize("status", FINAL_STATUSES)
def test_cancelling_a_final_job_gets_409_with_its_status_and_changes_nothing(api_client, status):
    job = JobFactory(status=status)
    finished_at = job.finished_at

    response = api_client("jobs:write").post(cancel_url(job.id))

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "job_already_final"
    assert error["status"] == status
    assert error["job_id"] == str(job.id)
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (status, finished_at)


def test_cancel_revokes_the_task_and_wakes_a_waiting_booth(api_client):
    job = JobFactory(status=JobStatus.PROCESSING)

    with mock.patch("jobs.services.job_revoke") as revoke:
        api_client("jobs:write").post(cancel_url(job.id))

    revoke.assert_called_once()
    assert revoke.call_args.kwargs["job"].id == job.id


def test_cancel_wakes_a_booth_waiting_on_the_job(api_client, django_capture_on_commit_callbacks):
    job = JobFactory(status=JobStatus.PENDING, deadline=timezone.now() + timedelta(seconds=5))

    with django_capture_on_commit_callbacks(execute=True):
        api_client("jobs:write").post(cancel_url(job.id))

    assert job_wait(job=job) is True  # signalled, not the deadline passing


def test_cancel_deletes_the_jobs_input_file(api_client, stored_files):
    job = _with_input(JobFactory(status=JobStatus.PENDING))
    assert stored_files("inputs/") == [f"inputs/{job.id}.jpg"]

    api_client("jobs:write").post(cancel_url(job.id))

    assert stored_files("inputs/") == []
    assert MediaObject.objects.get(id=job.input_media_id).deleted_at is not None


def test_a_final_job_is_not_revoked_again(api_client):
    job = JobFactory(status=JobStatus.COMPLETED)
    with mock.patch("jobs.services.job_revoke") as revoke:
        api_client("jobs:write").post(cancel_url(job.id))
    revoke.assert_not_called()


def test_a_job_that_ends_while_being_cancelled_gets_409_with_its_new_status():
    job = JobFactory(status=JobStatus.PROCESSING)

    def worker_finishes_first(*, job_id, **kwargs):
        Job.objects.filter(id=job_id).update(status=JobStatus.COMPLETED, finished_at=timezone.now())
        return False

    with mock.patch("jobs.services.job_mark_cancelled", side_effect=worker_finishes_first):
        with pytest.raises(Conflict) as caught:
            job_cancel(job_id=job.id)

    assert caught.value.extra["status"] == JobStatus.COMPLETED


def test_cancelling_an_unknown_job_gets_404(api_client):
    response = api_client("jobs:write").post(cancel_url(uuid.uuid4()))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "job_not_found"


def test_no_token_gets_401(anon_client):
    job = JobFactory()
    assert anon_client.post(cancel_url(job.id)).status_code == 401
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING


def test_jobs_read_cannot_cancel(api_client):
    job = JobFactory()

    response = api_client("jobs:read").post(cancel_url(job.id))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING
