"""Jobs in the admin site: watching the night's photos go through, and stopping the ones that hang.

Jobs are history: nobody adds, edits or deletes them here. Status changes only through
``jobs.services`` (the cancel action and button use ``job_cancel``, like the REST API).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from console.admin_views import job_image_available, job_thumbnail_url, job_thumbnail_view
from console.booth_answers import BoothAnswerFilter, booth_answer_html
from console.display import end_to_end_text, job_status_badge, seconds_text
from core.errors import Conflict
from core.ids import uuid_or_none
from jobs.models import ACTIVE_STATUSES, FINAL_STATUSES, Job, JobStatus
from jobs.selectors import JobNotFound, job_result
from jobs.services import job_cancel

# The admin index shows the booth dashboard above the app list (jobs/templates/admin/photochanger/).
admin.site.index_template = "admin/photochanger/index.html"
admin.site.site_header = "PhotoChanger"
admin.site.site_title = "PhotoChanger admin"
admin.site.index_title = "Event control"


def pretty_json(value: Any) -> str:
    if not value:
        return "—"
    return format_html('<pre class="json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))


class JobOutcomeFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [
            ("active", "Active (pending or processing)"),
            ("failed", "Failed (timeout or provider)"),
            ("final", "Finished (any final status)"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(status__in=ACTIVE_STATUSES)
        if self.value() == "failed":
            return queryset.filter(status__in=[JobStatus.FAILED_TIMEOUT, JobStatus.FAILED_PROVIDER])
        if self.value() == "final":
            return queryset.filter(status__in=FINAL_STATUSES)
        return queryset


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "short_id",
        "slot_link",
        "status_badge",
        "is_test_run",
        "created_at",
        "duration",
        "failure_code",
        "booth_answer",
        "attempts",
    ]
    list_filter = ["status", JobOutcomeFilter, BoothAnswerFilter, "recovered_by", "is_test_run", "slot", "provider"]
    date_hierarchy = "created_at"
    search_fields = ["slot__name", "failure_code", "failure_message"]
    list_select_related = ["slot"]
    list_per_page = 50
    actions = ["cancel_jobs"]
    fieldsets = [
        (None, {"fields": ["id", "slot_link", "status_badge", "is_test_run", "provider", "operation", "params_json"]}),
        ("Before / after", {"fields": ["images"]}),
        ("Timeline", {"fields": ["created_at", "started_at", "finished_at", "deadline", "queue_wait", "duration"]}),
        (
            "Outcome",
            {
                "fields": [
                    "attempts",
                    "model",
                    "recovered_by",
                    "failure_code",
                    "failure_message",
                    "booth_answer",
                    "usage_json",
                    "result_info",
                ]
            },
        ),
        ("Booth", {"fields": ["booth_fields", "celery_task_id"]}),
    ]
    readonly_fields = [
        "id",
        "slot_link",
        "status_badge",
        "is_test_run",
        "provider",
        "operation",
        "params_json",
        "images",
        "created_at",
        "started_at",
        "finished_at",
        "deadline",
        "queue_wait",
        "duration",
        "attempts",
        "model",
        "recovered_by",
        "failure_code",
        "failure_message",
        "booth_answer",
        "usage_json",
        "result_info",
        "booth_fields",
        "celery_task_id",
    ]

    class Media:
        css = {"all": ["slots/admin/slot_admin.css"]}

    # --- permissions: a job is history; cancelling is the one change there is --------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("jobs.change_job")

    @admin.display(description="Booth answer")
    def booth_answer(self, job: Job) -> str:
        return booth_answer_html(job)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Job]:
        return super().get_queryset(request).select_related("slot", "result", "input_media")

    def get_search_results(self, request, queryset, search_term):
        """A pasted job id (the booth's ``X-Job-Id``) finds that job."""
        job_id = uuid_or_none(search_term.strip())
        if job_id is not None:
            return queryset.filter(id=job_id), False
        return super().get_search_results(request, queryset, search_term)

    # --- columns and fields ----------------------------------------------------------------

    @admin.display(description="Job", ordering="created_at")
    def short_id(self, job: Job) -> str:
        return str(job.id)[:8]

    @admin.display(description="Slot", ordering="slot__name")
    def slot_link(self, job: Job) -> str:
        if job.slot is None:
            return "(deleted slot)"
        return format_html('<a href="{}">{}</a>', reverse("admin:slots_slot_change", args=[job.slot_id]), job.slot.name)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, job: Job) -> str:
        return job_status_badge(job.status)

    @admin.display(description="End to end")
    def duration(self, job: Job) -> str:
        return end_to_end_text(job)

    @admin.display(description="Queued for")
    def queue_wait(self, job: Job) -> str:
        return seconds_text(job.started_at - job.created_at if job.started_at else None)

    @admin.display(description="Params")
    def params_json(self, job: Job) -> str:
        return pretty_json(job.params)

    @admin.display(description="Provider usage")
    def usage_json(self, job: Job) -> str:
        return pretty_json(job.usage)

    @admin.display(description="Booth fields")
    def booth_fields(self, job: Job) -> str:
        if not job.booth_metadata:
            return "—"
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", sorted(job.booth_metadata.items()))
        return format_html('<table class="booth-fields">{}</table>', rows)

    @admin.display(description="Result")
    def result_info(self, job: Job) -> str:
        result = job_result(job=job)
        if result is None:
            return "—"
        state = "expired" if result.expired_at else f"kept until {result.expires_at:%Y-%m-%d %H:%M} UTC"
        return f"{result.content_type}, {result.size:,} bytes, {state}"

    @admin.display(description="Images")
    def images(self, job: Job) -> str:
        gone = {
            "input": "The booth photo is deleted as soon as the job ends.",
            "result": "No result." if job_result(job=job) is None else "The result has expired.",
        }
        figures = []
        for kind, caption in (("input", "Before"), ("result", "After")):
            if job_image_available(job=job, kind=kind):
                body = format_html(
                    '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" class="job-thumb job-thumb-{}">'
                    "</a>",
                    job_thumbnail_url(job.id, kind, size="preview"),
                    job_thumbnail_url(job.id, kind),
                    caption,
                    kind,
                )
            else:
                body = format_html('<p class="job-thumb-missing">{}</p>', gone[kind])
            figures.append(format_html("<figure><figcaption>{}</figcaption>{}</figure>", caption, body))
        return format_html('<div class="job-images">{}</div>', format_html_join("", "{}", ((f,) for f in figures)))

    # --- cancelling ------------------------------------------------------------------------

    @admin.action(description="Cancel selected pending/processing jobs", permissions=["cancel"])
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        cancelled = already_final = 0
        for job_id in queryset.values_list("id", flat=True):
            try:
                self.log_change(request, job_cancel(job_id=job_id), "Cancelled.")
                cancelled += 1
            except (Conflict, JobNotFound):
                already_final += 1
        if cancelled:
            self.message_user(request, f"Cancelled {cancelled} job(s).", messages.SUCCESS)
        if already_final:
            self.message_user(
                request, f"{already_final} job(s) had already finished and were left as they were.", messages.WARNING
            )

    def get_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<uuid:object_id>/thumbnail/<str:kind>/",
                wrap(partial(job_thumbnail_view, model_admin=self)),
                name="{}_{}_thumbnail".format(*info),
            ),
            path("<uuid:object_id>/cancel/", wrap(self.cancel_view), name="{}_{}_cancel".format(*info)),
            *super().get_urls(),
        ]

    def cancel_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        job = get_object_or_404(Job, pk=object_id)
        try:
            self.log_change(request, job_cancel(job_id=job.id), "Cancelled.")
        except Conflict as exc:
            self.message_user(request, exc.message, messages.WARNING)
        else:
            self.message_user(request, "The job was cancelled.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:jobs_job_change", args=[job.id]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_cancel"] = obj is not None and not obj.is_final and self.has_cancel_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)
