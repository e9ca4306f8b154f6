"""Slots in the admin site: where an operator sets up booths and checks them before the event.

Every write goes through ``slots.services`` (create, update, rotate, delete), exactly as the REST
API does; the form validates with the same service function, so the messages are the API's.
The plaintext password is rendered once, in the answer to the create or rotate request, and is
never stored anywhere (not in the session, not in a message cookie).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.admin_checks import slots_check_action
from console.admin_views import slot_test_run_view, template_media_thumbnail_url
from console.dashboard import dashboard_context
from console.display import job_status_badge, when_text
from console.form_fields import PARAM_PREFIX
from console.forms import SlotAdminForm
from console.templatetags.event_ready import booth_url_warning
from core.bodycap import accepts_uploads
from core.errors import ApplicationError
from core.provider_registry import provider_registry, provider_setup_problem, provider_setup_problems
from jobs.activity import slot_activity_annotate, stats_since
from media.models import TemplateMedia
from slots.models import Slot
from slots.services import slot_create, slot_delete, slot_ingest_url, slot_secret_rotate, slot_update

SLOT_FIELDS = ("name", "provider", "operation", "is_active", "canary")
FALLBACK_FIELDS = ("on_failure", "on_failure_params", "answer_by")
BUDGET_FIELDS = ("budget_daily", "budget_total")


class SaveRefused(Exception):
    """A service refused the write after the form validated (a concurrent change); rolls the admin's
    transaction back so that nothing, not even the log entry, is kept."""

    def __init__(self, error: ApplicationError) -> None:
        super().__init__(error.message)
        self.error = error


def copy_button(value: str, *, size: int = 70) -> str:
    """A read-only field with a Copy button in front (still visible when the field is cut off)."""
    return format_html(
        '<span class="copy-field"><button type="button" class="button copy-button" data-copied="{}">{}</button> '
        '<input type="text" readonly value="{}" class="vTextField copy-source" size="{}" aria-label="URL"></span>',
        _("Copied"),
        _("Copy"),
        value,
        min(len(value), size),
    )


def url_middle_shortened(url: str, *, keep_end: int = 4, keep_id: int = 8) -> str:
    """``https://host:port/ingest/1a2b3c4d…9f0e``: the host and the path's start stay readable."""
    head, sep, slot_id = url.rpartition("/ingest/")
    if not sep or len(slot_id) <= keep_id + keep_end + 1:
        return url
    return f"{head}{sep}{slot_id[:keep_id]}…{slot_id[-keep_end:]}"


def copy_button_short(value: str) -> str:
    """The list's narrow form: the URL shortened in the middle, the full one behind Copy (and in
    the title); the field the button copies from is kept out of the layout, not out of the page."""
    return format_html(
        '<span class="copy-field copy-field-short">'
        '<button type="button" class="button copy-button" data-copied="{}">{}</button> '
        '<code class="copy-short" title="{}">{}</code>'
        '<input type="text" readonly value="{}" class="copy-source copy-source-offscreen" tabindex="-1" '
        'aria-label="URL"></span>',
        _("Copied"),
        _("Copy"),
        value,
        url_middle_shortened(value),
        value,
    )


def _copy_saved(target: Slot, saved: Slot) -> None:
    """Make the admin's in-memory object the saved slot (the admin logs and redirects with it)."""
    for field in Slot._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    form = SlotAdminForm
    # The ingest URL right after the name: on a phone the columns after it scroll out of sight.
    list_display = ["name", "ingest_url", "is_active", "last_job", "jobs_recent", "runs"]
    list_filter = ["is_active", "canary", "provider"]
    search_fields = ["name"]
    actions = [slots_check_action]
    # The version stays the form's hidden optimistic-lock field (and in the API), not shown.
    readonly_fields = ["ingest_url_field", "id", "template_media_used", "created_at", "updated_at"]

    class Media:
        js = ["slots/admin/slot_form.js"]
        css = {"all": ["slots/admin/slot_admin.css"]}

    # --- list ------------------------------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "booth_url_warning": booth_url_warning()})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Slot]:
        return slot_activity_annotate(super().get_queryset(request), since=stats_since())

    @admin.display(description=gettext_lazy("Last job"), ordering="last_job_at")
    def last_job(self, slot: Slot) -> str:
        when = getattr(slot, "last_job_at", None)  # both annotated by get_queryset
        if when is None:
            return "—"
        status = getattr(slot, "last_job_status", "")
        return format_html(
            '<span title="{}">{}</span> {}',
            when_text(when),
            _("%(time)s ago") % {"time": timesince(when)},
            job_status_badge(status),
        )

    @admin.display(description=gettext_lazy("Jobs (24 h)"), ordering="jobs_recent")
    def jobs_recent(self, slot: Slot) -> str:
        query = {"slot__id__exact": slot.pk, "is_test_run__exact": 0, "created_at__gte": stats_since().isoformat()}
        url = f"{reverse('admin:jobs_job_changelist')}?{urlencode(query)}"
        return format_html('<a href="{}">{}</a>', url, getattr(slot, "jobs_recent", 0))

    @admin.display(description=gettext_lazy("Provider · operation"), ordering="provider")
    def runs(self, slot: Slot) -> str:
        return f"{slot.provider} · {slot.operation}"

    @admin.display(description=gettext_lazy("Ingest URL"))
    def ingest_url(self, slot: Slot) -> str:
        return copy_button_short(slot_ingest_url(slot=slot))

    @admin.display(description=gettext_lazy("Ingest URL"))
    def ingest_url_field(self, slot: Slot) -> str:
        return copy_button(slot_ingest_url(slot=slot))

    @admin.display(description=gettext_lazy("Template media in use"))
    def template_media_used(self, slot: Slot) -> str:
        used = list(slot.template_media.order_by("name"))
        if not used:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}" class="template-chip"><img src="{}" alt="" class="template-chip-thumb"> {}</a>',
            (
                (reverse("admin:media_templatemedia_change", args=[t.pk]), template_media_thumbnail_url(t.pk), t.name)
                for t in used
            ),
        )

    # --- form ------------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Slot | None = None) -> list:
        main = (None, {"fields": list(SLOT_FIELDS)})
        fallback = (_("When the operation fails or is late"), {"fields": list(FALLBACK_FIELDS)})
        budget = (_("Budget"), {"fields": list(BUDGET_FIELDS)})
        if obj is None:
            return [main, fallback, budget]
        return [
            main,
            fallback,
            budget,
            (_("Booth connection"), {"fields": ["ingest_url_field", "id", "template_media_used"]}),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["slot_form_schema"] = {
            "prefix": PARAM_PREFIX,
            "providers": provider_registry().describe(),
            "setup_problems": provider_setup_problems(),
            "texts": {"no_params": _("This operation has no parameters.")},
            "templates": [
                {"id": str(t.pk), "name": t.name, "thumbnail": template_media_thumbnail_url(t.pk)}
                for t in TemplateMedia.objects.order_by("name", "id")
            ],
        }
        context["params_editable"] = add or self.has_change_permission(request, obj)
        context["booth_url_warning"] = booth_url_warning()
        if obj is not None and request.user.has_perm("jobs.view_job"):
            context.update(dashboard_context(slot_id=obj.pk))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SaveRefused as refused:
            self.message_user(request, refused.error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Slot, form: SlotAdminForm, change: bool) -> None:
        data: dict[str, Any] = {
            name: form.cleaned_data[name] for name in (*SLOT_FIELDS, *FALLBACK_FIELDS, *BUDGET_FIELDS)
        }
        data["params"] = form.cleaned_data["params"]
        try:
            if change:
                saved = slot_update(slot=obj, version=form.cleaned_data["version"], data=data)
            else:
                saved, secret = slot_create(**data)
                # Only on this request's object, for response_add (not a model field).
                obj.plaintext_secret = secret  # type: ignore[attr-defined]
        except ApplicationError as exc:
            raise SaveRefused(exc) from exc
        _copy_saved(obj, saved)
        if problem := provider_setup_problem(saved.provider):
            self.message_user(
                request, _("Saved, but this slot will fail: %(problem)s") % {"problem": problem}, messages.WARNING
            )

    def response_add(self, request: HttpRequest, obj: Slot, post_url_continue: str | None = None) -> HttpResponse:
        secret = getattr(obj, "plaintext_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self._secret_response(request, obj, secret, created=True)

    def delete_model(self, request: HttpRequest, obj: Slot) -> None:
        slot_delete(slot=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Slot]) -> None:
        for slot in queryset:
            slot_delete(slot=slot)

    # --- password and test run -------------------------------------------------------------

    def get_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<uuid:object_id>/test-run/",
                wrap(accepts_uploads(partial(slot_test_run_view, model_admin=self))),
                name="{}_{}_test_run".format(*info),
            ),
            path(
                "<uuid:object_id>/rotate-secret/",
                wrap(self.rotate_secret_view),
                name="{}_{}_rotate_secret".format(*info),
            ),
            *super().get_urls(),
        ]

    def rotate_secret_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        slot = get_object_or_404(Slot, pk=object_id)
        if not self.has_change_permission(request, slot):
            raise PermissionDenied
        change_url = reverse("admin:slots_slot_change", args=[slot.pk])
        if request.method == "POST":
            try:
                version = int(request.POST.get("version", ""))
                slot, secret = slot_secret_rotate(slot=slot, version=version)
            except ValueError:
                self.message_user(request, _("The form was incomplete; try again."), messages.ERROR)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.log_change(request, slot, "Rotated the booth password.")
                return self._secret_response(request, slot, secret, created=False)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Rotate the booth password of %(slot)s") % {"slot": slot.name},
            "opts": self.opts,
            "original": slot,
            "slot": slot,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/slots/slot/rotate_secret.html", context)

    def _secret_response(self, request: HttpRequest, slot: Slot, secret: str, *, created: bool) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": _("Booth password of %(slot)s") % {"slot": slot.name},
            "opts": self.opts,
            "original": slot,
            "slot": slot,
            "secret": secret,
            "created": created,
            "ingest_url": slot_ingest_url(slot=slot),
            "change_url": reverse("admin:slots_slot_change", args=[slot.pk]),
            "test_run_url": reverse("admin:slots_slot_test_run", args=[slot.pk]),
            "media": self.media,
        }
        response = TemplateResponse(request, "admin/slots/slot/secret.html", context)
        response["Cache-Control"] = "no-store, private"  # the only page the password ever appears on
        return response
