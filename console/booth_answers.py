"""Job list filters and displays about what the booth got, beside the job's own status."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.models import Job


class BoothAnswerFilter(admin.SimpleListFilter):
    title = gettext_lazy("booth answer")
    parameter_name = "booth_answer"

    def lookups(self, request, model_admin):
        return [
            ("fallback", _("Fallback printed")),
            ("disconnected", _("Booth hung up first")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "fallback":
            return queryset.filter(fallback_at__isnull=False)
        if self.value() == "disconnected":
            return queryset.filter(booth_disconnected_at__isnull=False)
        return queryset


def booth_answer_html(job: Job) -> str:
    """In words: did the booth get the job's answer, the slot's fallback, or nothing?"""
    parts = []
    if job.fallback_at is not None:
        parts.append(
            format_html(
                '<span class="booth-answer booth-answer-fallback" title="{}">{}</span>',
                job.fallback_at.isoformat(),
                _("Fallback %(served)s (%(reason)s)") % {"served": job.fallback_served, "reason": job.fallback_reason},
            )
        )
    if job.booth_disconnected_at is not None:
        parts.append(
            format_html(
                '<span class="booth-answer booth-answer-disconnected" title="{}">{}</span>',
                job.booth_disconnected_at.isoformat(),
                _("Booth hung up before its answer"),
            )
        )
    if not parts:  # marked, so that a phone's job card can leave the line out
        return format_html('<span class="booth-answer-none">—</span>')
    return format_html(" ".join(["{}"] * len(parts)), *parts)
