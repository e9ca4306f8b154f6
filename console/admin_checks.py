"""The admin action "Check before the event": the sample portrait through each selected slot's
real pipeline (``ingest.slot_check``), then one page with every slot's outcome."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import ModelAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from console.admin_views import job_image_available, job_thumbnail_url
from ingest.slot_check import slot_checks_run
from slots.models import Slot


@admin.action(
    description=gettext_lazy("Check before the event (sample photo through each selected slot)"), permissions=["change"]
)
def slots_check_action(model_admin: ModelAdmin, request: HttpRequest, queryset: QuerySet[Slot]) -> HttpResponse:
    checks = slot_checks_run(slots=list(queryset.order_by("name")))
    rows = [
        {
            "check": check,
            "thumbnail": job_thumbnail_url(check.job_id, "result")
            if check.job is not None and job_image_available(job=check.job, kind="result")
            else None,
        }
        for check in checks
    ]
    failed = sum(not check.ok for check in checks)
    if failed:
        model_admin.message_user(
            request,
            ngettext(
                "%(failed)d of %(count)d slot failed the check.",
                "%(failed)d of %(count)d slots failed the check.",
                len(checks),
            )
            % {"failed": failed, "count": len(checks)},
            messages.ERROR,
        )
    else:
        model_admin.message_user(
            request,
            ngettext("%(count)d slot passed the check.", "All %(count)d slots passed the check.", len(checks))
            % {"count": len(checks)},
            messages.SUCCESS,
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Check before the event"),
        "opts": model_admin.model._meta,
        "rows": rows,
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/slots/slot/check_results.html", context)
