"""Admin-site views that are not model pages: staff-only thumbnails, the dashboard, test runs.

Thumbnails are the only way the admin site shows stored images: a downscaled JPEG streamed by a
view behind ``admin_site.admin_view`` (logged-in staff) and the model's view permission. Storage
URLs and the public ``/m/`` links are never put into an admin page.
"""

from __future__ import annotations

import base64
import io
import logging
import uuid
from typing import IO, Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from console.form_fields import form_errors_from_service
from console.forms import SlotTestRunForm
from core.errors import ApplicationError
from core.ids import uuid_or_none
from ingest.testrun import job_test_run
from jobs.models import Job, JobStatus
from jobs.selectors import job_result, result_live
from media.models import TemplateMedia
from providers import image_guard
from slots.models import Slot
from stats.budget import budget_by_slot

logger = logging.getLogger(__name__)

# Longest side of a thumbnail; "preview" is the larger rendering on the test-run page.
THUMBNAIL_SIZES = {"thumb": 320, "preview": 1024}
JOB_IMAGE_KINDS = ("input", "result")


def thumbnail_jpeg(source: IO[bytes], *, max_side: int = THUMBNAIL_SIZES["thumb"], written_here: bool = False) -> bytes:
    """A JPEG no larger than ``max_side`` on either side; transparency is laid on white.
    ``written_here``: a stored file (see ``image_guard.open_image``), not a fresh upload."""
    with image_guard.open_image(source, written_here=written_here) as opened, image_guard.refusing_undecodable():
        opened.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale, much cheaper
        img = ImageOps.exif_transpose(opened)
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        if img.mode in ("RGBA", "LA", "P", "PA"):
            rgba = img.convert("RGBA")
            img = Image.new("RGB", rgba.size, (255, 255, 255))
            img.paste(rgba, mask=rgba.getchannel("A"))
        buffer = io.BytesIO()
        img.convert("RGB").save(buffer, "JPEG", quality=82)
    return buffer.getvalue()


def thumbnail_data_uri(source: IO[bytes], *, max_side: int = THUMBNAIL_SIZES["preview"]) -> str:
    """An inline thumbnail for an image that is not (or no longer) stored, e.g. a test run's photo."""
    source.seek(0)
    data = thumbnail_jpeg(source, max_side=max_side)
    source.seek(0)
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def job_image_key(*, job: Job, kind: str) -> str | None:
    """The storage key of a job's input photo or result while it is meant to exist, else None."""
    if kind == "input":
        media = job.input_media
        return media.storage_key if media is not None and not media.is_deleted else None
    result = result_live(job=job)
    return result.storage_key if result is not None else None


def job_image_available(*, job: Job, kind: str) -> bool:
    key = job_image_key(job=job, kind=kind)
    return key is not None and default_storage.exists(key)


def job_images_html(job: Job) -> str:
    """Before and after on a job's page: thumbnails linking to the larger preview, or why not."""
    gone = {
        "input": _("The booth photo is deleted as soon as the job ends."),
        "result": _("No result.") if job_result(job=job) is None else _("The result has expired."),
    }
    figures = []
    for kind, caption in (("input", _("Before")), ("result", _("After"))):
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


def _size(request: HttpRequest) -> int:
    return THUMBNAIL_SIZES.get(request.GET.get("size", "thumb"), THUMBNAIL_SIZES["thumb"])


def _thumbnail_response(key: str | None, *, max_side: int) -> HttpResponse:
    if key is None or not default_storage.exists(key):
        raise Http404("The file is gone.")
    try:
        with default_storage.open(key, "rb") as handle:
            # Stored files passed the upload check (or were encoded here): a flat photo's own
            # upright re-encode is far under the sender's pixels-per-byte bound.
            data = thumbnail_jpeg(handle, max_side=max_side, written_here=True)
    except FileNotFoundError as exc:  # deleted since the check above
        raise Http404("The file is gone.") from exc
    except image_guard.ImageRefused as exc:
        logger.warning("cannot render a thumbnail of %s: %s", key, exc)
        raise Http404("The file is not a viewable image.") from exc
    response = HttpResponse(data, content_type="image/jpeg")
    # Staff-only bytes: never kept by a shared cache, nor by the browser after the page is left.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def job_thumbnail_view(request: HttpRequest, *, model_admin: ModelAdmin, object_id: str, kind: str) -> HttpResponse:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    if kind not in JOB_IMAGE_KINDS:
        raise Http404("No such image.")
    job = get_object_or_404(Job.objects.select_related("input_media", "result"), pk=_uuid_or_404(object_id))
    return _thumbnail_response(job_image_key(job=job, kind=kind), max_side=_size(request))


def template_media_thumbnail_view(request: HttpRequest, *, model_admin: ModelAdmin, object_id: str) -> HttpResponse:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    template = get_object_or_404(TemplateMedia, pk=_uuid_or_404(object_id))
    return _thumbnail_response(template.storage_key, max_side=_size(request))


def _uuid_or_404(value: str) -> uuid.UUID:
    key = uuid_or_none(value)
    if key is None:
        raise Http404("Malformed id.")
    return key


def job_thumbnail_url(job_id: Any, kind: str, *, size: str = "thumb") -> str:
    url = reverse("admin:jobs_job_thumbnail", kwargs={"object_id": str(job_id), "kind": kind})
    return url if size == "thumb" else f"{url}?size={size}"


def template_media_thumbnail_url(template_id: Any) -> str:
    return reverse("admin:media_templatemedia_thumbnail", kwargs={"object_id": str(template_id)})


# --- Test run --------------------------------------------------------------------------------


def slot_test_run_view(request: HttpRequest, *, model_admin: ModelAdmin, object_id: str) -> HttpResponse:
    """Upload a photo, run it through the slot's real pipeline, show it beside the result."""
    slot = get_object_or_404(Slot, pk=_uuid_or_404(object_id))
    if not model_admin.has_change_permission(request, slot):
        raise PermissionDenied
    job = original = None
    form = SlotTestRunForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data["photo"]
        try:
            job = job_test_run(slot=slot, upload=photo, fields=form.cleaned_data["booth_fields"])
        except ApplicationError as exc:
            form_errors_from_service(form, exc)
        else:
            try:
                original = thumbnail_data_uri(photo)
            except image_guard.ImageRefused:  # the result is still worth showing
                original = None
            level = messages.SUCCESS if job.status == JobStatus.COMPLETED else messages.WARNING
            model_admin.message_user(
                request, _("Test run finished: %(status)s.") % {"status": job.get_status_display()}, level
            )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Test run: %(slot)s") % {"slot": slot.name},
        "opts": model_admin.model._meta,
        "original": slot,
        "slot": slot,
        "form": form,
        "job": job,
        "original_image": original,
        "result_image": job_thumbnail_url(job.id, "result", size="preview")
        if job is not None and job_image_available(job=job, kind="result")
        else None,
        "job_url": reverse("admin:jobs_job_change", args=[job.id]) if job is not None else None,
        # Test runs are not capped (jobs/budget.py); the operator is told that booths are.
        "budget_used_up": getattr(budget_by_slot(slot_ids=[slot.id]).get(slot.id), "level", "") == "exhausted",
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/slots/slot/test_run.html", context)
