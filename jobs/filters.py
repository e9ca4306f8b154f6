"""Query-string filters of the job list (``GET /api/jobs/``)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import django_filters
from django import forms

from core.errors import ValidationFailed
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


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO datetimes with any offset, compared in UTC: PostgreSQL refuses offsets past ±15:59,
    which ISO 8601 (and Python) allow, so a value like ``…-17:44`` must not reach it as is."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                raise ValidationFailed({self.field_name: ["Date out of range."]}) from None
        return super().filter(qs, value)


class JobFilter(django_filters.FilterSet):
    # A malformed id is a 422; a well-formed id of no (or a deleted) slot simply matches nothing.
    slot = django_filters.UUIDFilter(field_name="slot_id", help_text="Slot id.")
    status = django_filters.MultipleChoiceFilter(
        choices=JobStatus.choices,
        widget=RepeatedOrCommaSeparated,
        help_text="One or more statuses, repeated (?status=a&status=b) or comma-separated.",
    )
    created_after = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601 datetime, inclusive."
    )
    created_before = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601 datetime, exclusive."
    )

    class Meta:
        model = Job
        fields = ["slot", "status", "created_after", "created_before"]
