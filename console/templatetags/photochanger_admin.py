"""Template helpers of the admin site: durations, job links and the booth dashboard on the index."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

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


BUDGET_LEVEL_TEXT = {
    "warning": _("%(share)s spent"),  # the share put in where shown: "80 %" is no format string
    "exhausted": _("Used up: booths get the fallback print or 402"),
}


@register.simple_tag
def budget_cell(budgets: Mapping[Any, Any], slot_id: Any) -> str:
    """A slot's budget on the dashboard: each capped window as spent / cap (reserved calls not
    counted), and its state when 80 % is spent or the next call no longer fits; "—" without a cap."""
    from django.conf import settings

    budget = budgets.get(slot_id)
    if budget is None:
        return format_html('<span class="quiet" title="{}">—</span>', _("No budget cap"))
    lines = [
        format_html(
            '<span class="budget-window">{} {} / {} {}</span>',
            label,
            f"{window.spent:.2f}",
            f"{window.cap:.2f}",
            settings.PROVIDER_PRICES_CURRENCY,
        )
        for label, window in ((_("today"), budget.daily), (_("total"), budget.total))
        if window is not None
    ]
    if budget.level:
        lines.append(
            format_html(
                '<strong class="budget-{}">{}</strong>',
                budget.level,
                str(BUDGET_LEVEL_TEXT[budget.level]) % {"share": "80 %"},
            )
        )
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))


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
