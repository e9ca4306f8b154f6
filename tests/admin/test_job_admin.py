"""The job pages of the admin site: filters, the job's story, before/after thumbnails
(cancelling is in test_job_cancel_admin.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
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
    for column in ("Slot", "Status", "Run", "Created at", "End to end", "Failure code", "Attempts"):
        assert column in html


def test_only_test_runs_are_tagged_and_no_booth_job_shows_a_red_cross(admin_client):
    booth = JobFactory(status="completed")
    test_run = JobFactory(status="completed", is_test_run=True)

    html = admin_client.get(LIST).content.decode()

    assert html.count('<span class="run-tag">test run</span>') == 1
    assert 'alt="False"' not in html and "icon-no.svg" not in html, "an ordinary booth job is not marked"
    row = html[html.index(str(booth.id)[:8]) :]
    assert row[: row.index("</tr>")].count("run-tag") == 0
    row = html[html.index(str(test_run.id)[:8]) :]
    assert "run-tag" in row[: row.index("</tr>")]


def test_list_and_job_page_write_every_moment_to_the_second_in_one_format(admin_client):
    created = datetime(2026, 5, 30, 21, 4, 17, tzinfo=UTC)
    job = JobFactory(status="completed", created_at=created, deadline=created + timedelta(seconds=50))
    Job.objects.filter(id=job.id).update(
        started_at=created + timedelta(seconds=1.5), finished_at=created + timedelta(seconds=9.25)
    )

    listing = admin_client.get(LIST).content.decode()
    page = admin_client.get(detail(job)).content.decode()

    assert "2026-05-30 21:04:17 UTC" in listing
    for moment in ("2026-05-30 21:04:17 UTC", "2026-05-30 21:04:18 UTC", "2026-05-30 21:04:26 UTC"):
        assert moment in page, "created, started, finished"
    assert "2026-05-30 21:05:07 UTC" in page, "deadline"
    assert "May 30" not in page and "p.m." not in page, "no second date format"
    assert "1.50 s" in page and "7.75 s" in page and "9.25 s" in page, "queued, processing, end to end"
    assert "Processing" in page


def test_job_page_shows_params_as_the_slot_form_labels_them(admin_client):
    from tests.factories import TemplateMediaFactory

    frame = TemplateMediaFactory(name="Gold frame")
    slot = SlotFactory(provider="local", operation="overlay", params={"frame": str(frame.id), "opacity": 0.5})
    job = JobFactory(slot=slot)

    html = admin_client.get(detail(job)).content.decode()

    assert '<table class="job-params">' in html
    assert "<th>Frame</th><td>Gold frame</td>" in html, "the template's name, not its id"
    assert "<th>Opacity</th><td>0.5</td>" in html
    assert '<pre class="json">{' not in html[: html.index("job-params") + 400]


def test_the_short_id_the_list_shows_finds_the_job(admin_client):
    wanted = JobFactory()
    JobFactory.create_batch(3)
    short = str(wanted.id)[:8]

    assert listed(admin_client, q=short) == {wanted.id}
    assert listed(admin_client, q=short.upper()) == {wanted.id}
    assert listed(admin_client, q=str(wanted.id)[:13]) == {wanted.id}, "with the first hyphen"
    assert listed(admin_client, q=str(wanted.id)) == {wanted.id}


def test_booth_fields_are_searchable(admin_client):
    alice = JobFactory(booth_metadata={"name": "Alice Smith", "table": "7"})
    JobFactory(booth_metadata={"name": "Bob"})
    JobFactory()

    assert listed(admin_client, q="alice") == {alice.id}
    assert listed(admin_client, q="Smith") == {alice.id}


def test_the_slot_filter_lists_slot_names_and_no_bare_dash(admin_client):
    slot = SlotFactory(name="Wedding")
    JobFactory(slot=slot)
    orphan = JobFactory(slot=None, provider="local", operation="noop", params={})

    response = admin_client.get(LIST)
    [slot_filter] = [f for f in response.context["cl"].filter_specs if f.title == "slot"]
    choices = [choice["display"] for choice in slot_filter.choices(response.context["cl"])]

    assert "-" not in choices
    assert choices == ["All", "Wedding", "(deleted slot)"]
    assert listed(admin_client, slot__isnull="True") == {orphan.id}


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


def test_a_recovered_jobs_page_says_how_it_was_recovered(admin_client):
    job = JobFactory(slot=SlotFactory(), status="completed", recovered_by="refusal_prompt")
    html = admin_client.get(detail(job)).content.decode()
    assert "Recovered by" in html and "refusal_prompt" in html
    assert listed(admin_client, recovered_by="refusal_prompt") == {job.id}
