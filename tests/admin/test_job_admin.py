"""The job pages of the admin site: filters, the job's story, before/after thumbnails, cancelling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.utils import timezone

from jobs.models import Job, JobStatus
from media.models import MediaObject
from media.services import storage_write
from tests.factories import JobFactory, ResultFactory, SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db

LIST = "/admin/jobs/job/"


def detail(job) -> str:
    return f"/admin/jobs/job/{job.id}/change/"


def listed(client, **query) -> set:
    response = client.get(LIST, query)
    assert response.status_code == 200, response
    assert "e" not in response.wsgi_request.GET, "the admin rejected the filter"
    return {job.id for job in response.context["cl"].queryset}


def with_input(job) -> Job:
    key = f"inputs/{job.id}.jpg"
    size = storage_write(key=key, content=images.jpeg(640, 480))
    job.input_media = MediaObject.objects.create(
        kind="ingest_input",
        storage_key=key,
        content_type="image/jpeg",
        size=size,
        created_at=job.created_at,
        expires_at=job.deadline,
    )
    job.save()
    return job


# --- list and filters ----------------------------------------------------------------------------


def test_list_shows_status_duration_failure_code_and_test_run_flag(admin_client):
    now = timezone.now()
    done = JobFactory(status="completed", created_at=now - timedelta(seconds=10))
    Job.objects.filter(id=done.id).update(finished_at=done.created_at + timedelta(seconds=3.25))
    JobFactory(status="failed_provider", failure_code="provider_quota", is_test_run=True)

    response = admin_client.get(LIST)

    html = response.content.decode()
    assert "3.25 s" in html
    assert "provider_quota" in html
    assert 'class="job-status job-status-completed"' in html
    for column in ("Slot", "Status", "Is test run", "Created at", "End to end", "Failure code", "Attempts"):
        assert column in html


def test_status_outcome_slot_and_test_run_filters(admin_client):
    slot = SlotFactory()
    pending = JobFactory(slot=slot, status="pending")
    processing = JobFactory(status="processing")
    timed_out = JobFactory(slot=slot, status="failed_timeout")
    refused = JobFactory(status="failed_provider", is_test_run=True)
    done = JobFactory(status="completed")

    assert listed(admin_client, status__exact="pending") == {pending.id}
    assert listed(admin_client, outcome="active") == {pending.id, processing.id}
    assert listed(admin_client, outcome="failed") == {timed_out.id, refused.id}
    assert listed(admin_client, outcome="final") == {timed_out.id, refused.id, done.id}
    assert listed(admin_client, slot__id__exact=str(slot.id)) == {pending.id, timed_out.id}
    assert listed(admin_client, is_test_run__exact="1") == {refused.id}


def test_date_hierarchy_narrows_by_day(admin_client):
    today = JobFactory()
    JobFactory(created_at=timezone.now() - timedelta(days=40))
    day = timezone.localtime(today.created_at)

    assert listed(admin_client, created_at__year=day.year, created_at__month=day.month, created_at__day=day.day) == {
        today.id
    }
    assert '<nav class="toplinks">' in admin_client.get(LIST).content.decode()


def test_the_dashboards_window_link_is_a_valid_filter(admin_client):
    recent = JobFactory(status="completed")
    JobFactory(status="completed", created_at=timezone.now() - timedelta(hours=30), slot=recent.slot)
    since = (timezone.now() - timedelta(hours=24)).isoformat()

    assert listed(admin_client, slot__id__exact=str(recent.slot_id), created_at__gte=since) == {recent.id}


def test_searching_a_job_id_finds_that_job(admin_client):
    wanted = JobFactory()
    JobFactory.create_batch(2)

    assert listed(admin_client, q=str(wanted.id)) == {wanted.id}


# --- detail ---------------------------------------------------------------------------------------


def test_job_page_tells_the_jobs_story(admin_client):
    created = timezone.now() - timedelta(seconds=30)
    job = JobFactory(
        status="failed_provider",
        created_at=created,
        failure_code="provider_refused",
        booth_metadata={"name": "Alice", "profile": "Wedding"},
        attempts=3,
    )
    Job.objects.filter(id=job.id).update(
        started_at=created + timedelta(seconds=0.5),
        finished_at=created + timedelta(seconds=4),
        failure_message="Blocked for safety reasons.",
    )

    html = admin_client.get(detail(job)).content.decode()

    assert "0.50 s" in html, "queued for"
    assert "4.00 s" in html, "end to end"
    assert "provider_refused" in html and "Blocked for safety reasons." in html
    assert "<th>name</th><td>Alice</td>" in html
    assert "Timeline" in html and "Started at" in html and "Finished at" in html and "Deadline" in html
    assert '<div class="readonly">3</div>' in html, "attempts"


def test_job_page_shows_before_and_after_while_the_files_exist(admin_client, stored_files):
    job = with_input(JobFactory(status="processing"))
    ResultFactory(job=job)

    html = admin_client.get(detail(job)).content.decode()

    assert f'src="/admin/jobs/job/{job.id}/thumbnail/input/"' in html
    assert f'src="/admin/jobs/job/{job.id}/thumbnail/result/"' in html


def test_job_page_says_why_an_image_is_missing(admin_client):
    job = JobFactory(status="completed")
    ResultFactory(
        job=job, expires_at=timezone.now() - timedelta(seconds=1), created_at=timezone.now() - timedelta(hours=1)
    )

    html = admin_client.get(detail(job)).content.decode()

    assert "/thumbnail/" not in html
    assert "The booth photo is deleted as soon as the job ends." in html
    assert "The result has expired." in html


def test_jobs_cannot_be_added_edited_or_deleted(admin_client):
    job = JobFactory()

    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.post(f"/admin/jobs/job/{job.id}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(detail(job), {"status": "completed"}).status_code == 403
    assert Job.objects.get(id=job.id).status == JobStatus.PENDING


# --- cancelling ---------------------------------------------------------------------------------


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
    assert "Cancelled 2 job(s)." in messages
    assert "1 job(s) had already finished and were left as they were." in messages
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
    assert any("already failed_timeout" in str(m) for m in response.context["messages"])


def test_staff_who_may_only_view_jobs_cannot_cancel(client_for):
    job = JobFactory(status="pending")
    viewer = client_for(perms=("jobs.view_job",))

    page = viewer.get(LIST)
    assert "cancel_jobs" not in page.content.decode()
    assert 'id="job-cancel-form"' not in viewer.get(detail(job)).content.decode()
    assert viewer.post(f"/admin/jobs/job/{job.id}/cancel/").status_code == 403
    viewer.post(LIST, {"action": "cancel_jobs", "_selected_action": [str(job.id)]})
    assert Job.objects.get(id=job.id).status == JobStatus.PENDING


def test_a_recovered_jobs_page_says_how_it_was_recovered(admin_client):
    job = JobFactory(slot=SlotFactory(), status="completed", recovered_by="refusal_prompt")
    html = admin_client.get(detail(job)).content.decode()
    assert "Recovered by" in html and "refusal_prompt" in html
    assert listed(admin_client, recovered_by="refusal_prompt") == {job.id}
