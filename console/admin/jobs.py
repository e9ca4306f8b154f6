"""Jobs in the admin site: watching the night's photos go through, and stopping the ones that hang.

Jobs are history: nobody adds, edits or deletes them here. Status changes only through
``jobs.services`` (the cancel action and button use ``job_cancel``, like the REST API).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from console.admin.job_filters import JobOutcomeFilter, SlotFilter
from console.admin_views import job_images_html, job_thumbnail_view
from console.booth_answers import BoothAnswerFilter, booth_answer_html
from console.display import (
    end_to_end_text,
    job_status_badge,
    params_table,
    pretty_json,
    processing_text,
    queued_text,
    when_text,
)
from core.errors import Conflict
from core.ids import uuid_or_none
from jobs.models import Job
from jobs.selectors import JobNotFound, job_result
from jobs.services import job_cancel

SHORT_ID = re.compile(r"[0-9a-f]{4,8}(-[0-9a-f]{0,4})?")

# The admin index shows the booth dashboard above the app list (jobs/templates/admin/photochanger/).
admin.site.index_template = "admin/photochanger/index.html"
admin.site.site_header = "PhotoChanger"
admin.site.site_title = gettext_lazy("PhotoChanger admin")
admin.site.index_title = gettext_lazy("Event control")
# No app sidebar on every page: at 1366 px its 300 px squeezed the job and slot lists into scrolling
# sideways. The index (the dashboard) lists every model, and breadcrumbs lead back to it.
admin.site.enable_nav_sidebar = False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "short_id",
        "slot_link",
        "status_badge",
        "run_kind",
        "created",
        "duration",
        "failure_code",
        "booth_answer",
        "attempts",
    ]
    list_filter = [
        "status",
        JobOutcomeFilter,
        BoothAnswerFilter,
        "recovered_by",
        "is_test_run",
        ("slot", SlotFilter),
        "provider",
    ]
    date_hierarchy = "created_at"
    # booth_metadata: the booth's form fields (e.g. a guest's name), searched as text.
    search_fields = ["slot__name", "failure_code", "failure_message", "booth_metadata"]
    list_select_related = ["slot"]
    list_per_page = 50
    # Marked, so that a phone's job card can leave an empty line (no failure code) out.
    empty_value_display = mark_safe('<span class="empty-value">-</span>')  # noqa: S308 - a constant
    actions = ["cancel_jobs"]
    fieldsets = [
        (None, {"fields": ["id", "slot_link", "status_badge", "sent_by", "provider", "operation", "params_shown"]}),
        (gettext_lazy("Before / after"), {"fields": ["images"]}),
        (
            gettext_lazy("Timeline"),
            {"fields": ["created", "started", "finished", "deadline_at", "queue_wait", "processing", "duration"]},
        ),
        (
            gettext_lazy("Outcome"),
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
        (gettext_lazy("Booth"), {"fields": ["booth_fields", "celery_task_id"]}),
    ]
    # Every field shown is read-only: a job is history.
    readonly_fields = [name for section in fieldsets for name in section[1]["fields"] if isinstance(name, str)]

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

    @admin.display(description=gettext_lazy("Booth answer"))
    def booth_answer(self, job: Job) -> str:
        return booth_answer_html(job)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Job]:
        return super().get_queryset(request).select_related("slot", "result", "input_media")

    def get_search_results(self, request, queryset, search_term):
        """A pasted job id (the booth's ``X-Job-Id``) finds that job, and so does the short id the
        list shows (its first 8 characters, or any longer start of it)."""
        term = search_term.strip().lower()
        job_id = uuid_or_none(term)
        if job_id is not None:
            return queryset.filter(id=job_id), False
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if SHORT_ID.fullmatch(term):
            found = found | queryset.filter(id__startswith=term)
        return found, may_have_duplicates

    # --- columns and fields ----------------------------------------------------------------

    @admin.display(description=gettext_lazy("Job"), ordering="created_at")
    def short_id(self, job: Job) -> str:
        return str(job.id)[:8]

    @admin.display(description=gettext_lazy("Slot"), ordering="slot__name")
    def slot_link(self, job: Job) -> str:
        if job.slot is None:
            return _("(deleted slot)")
        return format_html('<a href="{}">{}</a>', reverse("admin:slots_slot_change", args=[job.slot_id]), job.slot.name)

    @admin.display(description=gettext_lazy("Status"), ordering="status")
    def status_badge(self, job: Job) -> str:
        return job_status_badge(job.status)

    @admin.display(description=gettext_lazy("Run"), empty_value="")
    def run_kind(self, job: Job) -> str:
        """Only a test run is marked (a neutral tag); a booth's job, the usual case, shows nothing."""
        return format_html('<span class="run-tag">{}</span>', _("test run")) if job.is_test_run else ""

    @admin.display(description=gettext_lazy("Sent by"))
    def sent_by(self, job: Job) -> str:
        return _("a test run in the admin site") if job.is_test_run else _("the booth")

    @admin.display(description=gettext_lazy("Created at"), ordering="created_at")
    def created(self, job: Job) -> str:
        return when_text(job.created_at)

    @admin.display(description=gettext_lazy("Started at"))
    def started(self, job: Job) -> str:
        return when_text(job.started_at)

    @admin.display(description=gettext_lazy("Finished at"))
    def finished(self, job: Job) -> str:
        return when_text(job.finished_at)

    @admin.display(description=gettext_lazy("Deadline"))
    def deadline_at(self, job: Job) -> str:
        return when_text(job.deadline)

    @admin.display(description=gettext_lazy("End to end"))
    def duration(self, job: Job) -> str:
        return end_to_end_text(job)

    @admin.display(description=gettext_lazy("Queued for"))
    def queue_wait(self, job: Job) -> str:
        return queued_text(job)

    @admin.display(description=pgettext_lazy("duration", "Processing"))
    def processing(self, job: Job) -> str:
        return processing_text(job)

    @admin.display(description=gettext_lazy("Params"))
    def params_shown(self, job: Job) -> str:
        return params_table(provider=job.provider, operation=job.operation, params=job.params)

    @admin.display(description=gettext_lazy("Provider usage"))
    def usage_json(self, job: Job) -> str:
        return pretty_json(job.usage)

    @admin.display(description=gettext_lazy("Booth fields"))
    def booth_fields(self, job: Job) -> str:
        if not job.booth_metadata:
            return "—"
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", sorted(job.booth_metadata.items()))
        return format_html('<table class="booth-fields">{}</table>', rows)

    @admin.display(description=gettext_lazy("Result"))
    def result_info(self, job: Job) -> str:
        result = job_result(job=job)
        if result is None:
            return "—"
        if result.expired_at:
            return _("%(type)s, %(size)s bytes, expired") % {"type": result.content_type, "size": f"{result.size:,}"}
        return _("%(type)s, %(size)s bytes, kept until %(when)s") % {
            "type": result.content_type,
            "size": f"{result.size:,}",
            "when": when_text(result.expires_at),
        }

    @admin.display(description=gettext_lazy("Images"))
    def images(self, job: Job) -> str:
        return job_images_html(job)

    # --- cancelling ------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Cancel selected pending/processing jobs"), permissions=["cancel"])
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        cancelled = already_final = 0
        for job_id in queryset.values_list("id", flat=True):
            try:
                self.log_change(request, job_cancel(job_id=job_id), "Cancelled.")
                cancelled += 1
            except (Conflict, JobNotFound):
                already_final += 1
        if cancelled:
            self.message_user(
                request,
                ngettext("Cancelled %(count)d job.", "Cancelled %(count)d jobs.", cancelled) % {"count": cancelled},
                messages.SUCCESS,
            )
        if already_final:
            self.message_user(
                request,
                ngettext(
                    "%(count)d job had already finished and was left as it was.",
                    "%(count)d jobs had already finished and were left as they were.",
                    already_final,
                )
                % {"count": already_final},
                messages.WARNING,
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
            self.message_user(request, _("The job was cancelled."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:jobs_job_change", args=[job.id]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_cancel"] = obj is not None and not obj.is_final and self.has_cancel_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)
