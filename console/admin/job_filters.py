"""The job list's own filters: by outcome, and by slot with jobs of deleted slots named."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.models import ACTIVE_STATUSES, FINAL_STATUSES, JobStatus


class SlotFilter(admin.RelatedFieldListFilter):
    """The slot filter; jobs whose slot was deleted are under a named entry, not a bare "-"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.empty_value_display = escape(_("(deleted slot)"))

    def field_choices(self, field, request, model_admin):
        return field.get_choices(include_blank=False, ordering=("name",))


class JobOutcomeFilter(admin.SimpleListFilter):
    title = gettext_lazy("outcome")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [
            ("active", _("Active (pending or processing)")),
            ("failed", _("Failed (timeout or provider)")),
            ("final", _("Finished (any final status)")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(status__in=ACTIVE_STATUSES)
        if self.value() == "failed":
            return queryset.filter(status__in=[JobStatus.FAILED_TIMEOUT, JobStatus.FAILED_PROVIDER])
        if self.value() == "final":
            return queryset.filter(status__in=FINAL_STATUSES)
        return queryset
