"""How the admin site writes a moment, a duration, a job's status and its parameters, in its model
pages and templates alike (one date format everywhere: ``2026-05-30 21:04:17 UTC``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from core.ids import uuid_or_none
from core.provider_registry import provider_registry
from jobs.models import Job, JobStatus
from media.models import TemplateMedia
from providers.registry import UnknownOperation, UnknownProvider

WHEN_FORMAT = "%Y-%m-%d %H:%M:%S UTC"


def when_text(value: datetime | None) -> str:
    """A moment to the second, in UTC: created, started and finished differ visibly."""
    return "—" if value is None else value.astimezone(UTC).strftime(WHEN_FORMAT)


def seconds_text(value: timedelta | None) -> str:
    return "—" if value is None else _("%(seconds).2f s") % {"seconds": value.total_seconds()}


def end_to_end_text(job: Job) -> str:
    """From the booth's upload to the job's final status; "—" while it runs."""
    return seconds_text(job.finished_at - job.created_at if job.finished_at else None)


def processing_text(job: Job) -> str:
    """From a worker taking the job to its final status."""
    return seconds_text(job.finished_at - job.started_at if job.finished_at and job.started_at else None)


def queued_text(job: Job) -> str:
    """From the booth's upload to a worker taking the job."""
    return seconds_text(job.started_at - job.created_at if job.started_at else None)


def pretty_json(value: Any) -> str:
    if not value:
        return "—"
    return format_html('<pre class="json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))


def job_status_badge(status: str | None) -> str:
    """A job status as the coloured label the admin's stylesheet knows; "—" for none."""
    if not status:
        return "—"
    return format_html('<span class="job-status job-status-{}">{}</span>', status, JobStatus(status).label)


def _param_value_text(value: Any, kind: str, templates: dict[str, str]) -> str:
    if kind == "template_media":
        return templates.get(str(value), _("%(id)s (deleted)") % {"id": value})
    if kind == "template_media_list" and isinstance(value, list):
        return ", ".join(templates.get(str(item), _("%(id)s (deleted)") % {"id": item}) for item in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def params_table(*, provider: str, operation: str, params: dict[str, Any] | None) -> str:
    """A job's (or slot's) parameters as the slot form labels them, in the schema's order;
    parameters the schema no longer knows follow under their own names."""
    if not params:
        return "—"
    try:
        schema = list(provider_registry().operation(provider, operation).params)
    except (UnknownProvider, UnknownOperation):  # removed since the job ran: show the raw names
        schema = []
    kinds = {param.name: param.type for param in schema}
    labels = {param.name: param.describe()["label"] for param in schema}
    ordered = [param.name for param in schema if param.name in params] + sorted(set(params) - set(kinds))
    template_ids = [params[name] for name in ordered if kinds.get(name, "").startswith("template_media")]
    flat = [uuid_or_none(str(i)) for value in template_ids for i in (value if isinstance(value, list) else [value])]
    templates = {
        str(pk): name
        for pk, name in TemplateMedia.objects.filter(id__in=[i for i in flat if i]).values_list("id", "name")
    }
    rows = (
        (labels.get(name, name), _param_value_text(params[name], kinds.get(name, ""), templates)) for name in ordered
    )
    return format_html(
        '<table class="job-params">{}</table>', format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
    )
