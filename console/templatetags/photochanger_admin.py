"""Template helpers of the admin site: durations, job links and the booth dashboard on the index."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from console.display import end_to_end_text, seconds_text, when_text
from jobs.models import Job, JobStatus

if TYPE_CHECKING:  # django-stubs only: the labels are lazy translations
    from django_stubs_ext import StrOrPromise

register = template.Library()


register.filter("seconds_text", seconds_text)
register.filter("end_to_end", end_to_end_text)
register.filter("when_text", when_text)


@register.simple_tag
def money(spend: Any, window: str) -> str:
    """One window of a slot's ``SlotSpend`` (``stats.spend_summary``) with its currency; 0 without calls."""
    from django.conf import settings

    if spend is None:
        return f"0.00 {settings.PROVIDER_PRICES_CURRENCY}"
    return f"{getattr(spend, window):.2f} {spend.currency}"


@register.simple_tag
def job_thumbnail(job: Job, kind: str = "result", size: str = "thumb") -> str:
    from console.admin_views import job_thumbnail_url

    return job_thumbnail_url(job.pk, kind, size=size)


@register.simple_tag
def jobs_url(slot_id: Any, status: str = "", since: datetime | None = None, booth_answer: str = "") -> str:
    """The job list narrowed to one slot's booth jobs (optionally one status, since a moment, one
    kind of booth answer: "fallback" or "disconnected")."""
    query: dict[str, str] = {"slot__id__exact": str(slot_id), "is_test_run__exact": "0"}
    if status:
        query["status__exact"] = status
    if booth_answer:
        query["booth_answer"] = booth_answer
    if since is not None:
        query["created_at__gte"] = since.isoformat()
    return f"{reverse('admin:jobs_job_changelist')}?{urlencode(query)}"


@register.inclusion_tag("admin/photochanger/dashboard.html", takes_context=True)
def booth_dashboard(context: template.Context) -> dict[str, Any]:
    """The booth dashboard for the admin index; empty for staff who may not see jobs."""
    from console.dashboard import dashboard_context

    request = context.get("request")
    if request is None or not request.user.has_perm("jobs.view_job"):
        return {"dashboard_stats": None}
    return dashboard_context()


@register.simple_tag
def job_statuses() -> list[tuple[str, StrOrPromise]]:
    return list(JobStatus.choices)
