"""Query-string filters of the job list (``GET /api/jobs/``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms

from jobs.models import Job, JobStatus


class RepeatedOrCommaSeparated(forms.SelectMultiple):
    """Reads ``?status=a&status=b`` and ``?status=a,b`` (and a mix) as one list of values."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str] | None:
        raw = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if raw is None:
            return None
        if isinstance(raw, str):
            raw = [raw]
        return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


class JobFilter(django_filters.FilterSet):
    # A malformed id is a 422; a well-formed id of no (or a deleted) slot simply matches nothing.
    slot = django_filters.UUIDFilter(field_name="slot_id", help_text="Slot id.")
    status = django_filters.MultipleChoiceFilter(
        choices=JobStatus.choices,
        widget=RepeatedOrCommaSeparated,
        help_text="One or more statuses, repeated (?status=a&status=b) or comma-separated.",
    )
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601 datetime, inclusive."
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601 datetime, exclusive."
    )

    class Meta:
        model = Job
        fields = ["slot", "status", "created_after", "created_before"]
