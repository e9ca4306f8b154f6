"""How the admin site writes a duration and a job's status, in its model pages and templates alike."""

from __future__ import annotations

from datetime import timedelta

from django.utils.html import format_html

from jobs.models import Job, JobStatus


def seconds_text(value: timedelta | None) -> str:
    return "—" if value is None else f"{value.total_seconds():.2f} s"


def end_to_end_text(job: Job) -> str:
    """From the booth's upload to the job's final status; "—" while it runs."""
    return seconds_text(job.finished_at - job.created_at if job.finished_at else None)


def job_status_badge(status: str | None) -> str:
    """A job status as the coloured label the admin's stylesheet knows; "—" for none."""
    if not status:
        return "—"
    return format_html('<span class="job-status job-status-{}">{}</span>', status, JobStatus(status).label)
