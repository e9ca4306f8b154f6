"""The job admin's cancel action and button: active jobs only, the input photo freed, and only
for staff allowed to change jobs."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from jobs.models import Job, JobStatus
from tests.admin.test_job_admin import LIST, detail, with_input
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_the_cancel_action_cancels_pending_and_processing_jobs_only(admin_client):
    pending, processing = JobFactory(status="pending"), JobFactory(status="processing")
    done = JobFactory(status="completed")

    response = admin_client.post(
        LIST,
        {"action": "cancel_jobs", "_selected_action": [str(j.id) for j in (pending, processing, done)]},
        follow=True,
    )

    statuses = dict(Job.objects.values_list("id", "status"))
    assert statuses == {pending.id: "cancelled", processing.id: "cancelled", done.id: "completed"}
    messages = [str(m) for m in response.context["messages"]]
    assert "Cancelled 2 jobs." in messages
    assert "1 job had already finished and was left as it was." in messages
    assert LogEntry.objects.filter(action_flag=CHANGE, object_id=str(pending.id)).exists()


def test_cancelling_frees_the_jobs_input_photo(admin_client, stored_files):
    job = with_input(JobFactory(status="pending"))

    admin_client.post(LIST, {"action": "cancel_jobs", "_selected_action": [str(job.id)]})

    assert stored_files("inputs/") == []


def test_the_cancel_button_on_a_job_page(admin_client):
    job = JobFactory(status="processing")
    assert 'id="job-cancel-form"' in admin_client.get(detail(job)).content.decode()

    response = admin_client.post(f"/admin/jobs/job/{job.id}/cancel/", follow=True)

    assert Job.objects.get(id=job.id).status == JobStatus.CANCELLED
    assert "The job was cancelled." in [str(m) for m in response.context["messages"]]
    assert 'id="job-cancel-form"' not in response.content.decode()
    assert admin_client.get(f"/admin/jobs/job/{job.id}/cancel/").status_code == 405


def test_cancelling_a_finished_job_changes_nothing(admin_client):
    job = JobFactory(status="failed_timeout")

    response = admin_client.post(f"/admin/jobs/job/{job.id}/cancel/", follow=True)

    assert Job.objects.get(id=job.id).status == JobStatus.FAILED_TIMEOUT
    assert any("already failed: timeout" in str(m) for m in response.context["messages"])


def test_staff_who_may_only_view_jobs_cannot_cancel(client_for):
    job = JobFactory(status="pending")
    viewer = client_for(perms=("jobs.view_job",))

    page = viewer.get(LIST)
    assert "cancel_jobs" not in page.content.decode()
    assert 'id="job-cancel-form"' not in viewer.get(detail(job)).content.decode()
    assert viewer.post(f"/admin/jobs/job/{job.id}/cancel/").status_code == 403
    viewer.post(LIST, {"action": "cancel_jobs", "_selected_action": [str(job.id)]})
    assert Job.objects.get(id=job.id).status == JobStatus.PENDING
