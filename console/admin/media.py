"""Template media in the admin site: upload style references and frames, see which slots use them.

Files are stored and deleted only through ``media.services``. No admin page links to the stored
file: previews are staff-only thumbnails, and there is no public URL for template media at all.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.admin_views import template_media_thumbnail_url, template_media_thumbnail_view
from core.bodycap import accepts_uploads
from core.errors import ApplicationError
from media.models import TemplateMedia
from media.services import template_media_create, template_media_delete
from media.uploads import upload_image_check

DETAIL_FIELDS = ["preview", "name", "id", "content_type", "dimensions", "file_size", "used_by", "created_at"]


class TemplateMediaUploadForm(forms.ModelForm):
    file = forms.FileField(
        widget=forms.ClearableFileInput(
            attrs={
                "accept": "image/jpeg,image/png,image/webp",
                "class": "template-upload",
                "data-preview-alt": gettext_lazy("Preview of the chosen image"),
            }
        ),
        help_text=gettext_lazy(
            "JPEG, PNG, WebP, HEIC or AVIF. Frames for the overlay operation are PNGs with transparency."
        ),
    )

    class Meta:
        model = TemplateMedia
        fields = ["name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Defaults to the file name.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            upload_image_check(upload)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload


@admin.register(TemplateMedia)
class TemplateMediaAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "name", "dimensions", "file_size", "content_type", "used_by", "created_at"]
    list_display_links = ["thumbnail", "name"]
    search_fields = ["name"]
    delete_selected_confirmation_template = "admin/media/templatemedia/delete_selected_confirmation.html"

    class Media:
        js = ["media/admin/template_upload.js"]
        css = {"all": ["slots/admin/slot_admin.css"]}

    # A stored template never changes (slots may be using it): upload a new one instead.
    def has_change_permission(self, request: HttpRequest, obj: TemplateMedia | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TemplateMedia]:
        return super().get_queryset(request).prefetch_related("slots")

    def get_form(self, request: HttpRequest, obj: TemplateMedia | None = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = TemplateMediaUploadForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: TemplateMedia | None = None) -> list:
        if obj is None:
            return [(None, {"fields": ["file", "name"]})]
        return [(None, {"fields": DETAIL_FIELDS})]

    def get_readonly_fields(self, request: HttpRequest, obj: TemplateMedia | None = None) -> list[str]:
        return [] if obj is None else DETAIL_FIELDS

    # --- columns and fields ----------------------------------------------------------------

    @admin.display(description=gettext_lazy("Preview"))
    def thumbnail(self, template: TemplateMedia) -> str:
        return format_html(
            '<img src="{}" alt="{}" class="template-thumb" loading="lazy">',
            template_media_thumbnail_url(template.pk),
            template.name,
        )

    @admin.display(description=gettext_lazy("Preview"))
    def preview(self, template: TemplateMedia) -> str:
        return format_html(
            '<img src="{}" alt="{}" class="template-preview-large">',
            template_media_thumbnail_url(template.pk),
            template.name,
        )

    @admin.display(description=gettext_lazy("Size (px)"))
    def dimensions(self, template: TemplateMedia) -> str:
        return f"{template.width}×{template.height}"

    @admin.display(description=gettext_lazy("File size"), ordering="size")
    def file_size(self, template: TemplateMedia) -> str:
        return _("%(size)s KB") % {"size": f"{template.size / 1024:,.0f}"}

    @admin.display(description=gettext_lazy("Used by"))
    def used_by(self, template: TemplateMedia) -> str:
        slots = sorted(template.slots.all(), key=lambda slot: slot.name)
        if not slots:
            return "—"
        return format_html_join(
            ", ", '<a href="{}">{}</a>', ((reverse("admin:slots_slot_change", args=[s.pk]), s.name) for s in slots)
        )

    # --- writes through media.services -----------------------------------------------------

    def save_model(self, request: HttpRequest, obj: TemplateMedia, form: forms.ModelForm, change: bool) -> None:
        template = template_media_create(name=form.cleaned_data.get("name"), upload=form.cleaned_data["file"])
        for field in TemplateMedia._meta.concrete_fields:
            setattr(obj, field.attname, getattr(template, field.attname))
        obj._state.adding = False

    def get_deleted_objects(self, objs, request: HttpRequest):
        """Name the slots that use a template; any such use refuses the delete (as the API's 409)."""
        deleted, counts, perms_needed, _protected = super().get_deleted_objects(objs, request)
        protected = []
        for template in objs:
            slots = sorted(template.slots.all(), key=lambda slot: slot.name)
            if slots:
                links = format_html_join(
                    ", ",
                    '<a href="{}">{}</a>',
                    ((reverse("admin:slots_slot_change", args=[s.pk]), s.name) for s in slots),
                )
                protected.append(format_html(_("{} is used by: {}"), template.name, links))
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: TemplateMedia) -> None:
        template_media_delete(template_media_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TemplateMedia]) -> None:
        for template in queryset:
            template_media_delete(template_media_id=template.pk)

    @accepts_uploads  # photochanger/bodycap.py: the add form carries the image
    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        return super().add_view(request, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as exc:  # a slot started using it after the confirmation page
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:media_templatemedia_change", args=[object_id]))

    def get_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<uuid:object_id>/thumbnail/",
                self.admin_site.admin_view(partial(template_media_thumbnail_view, model_admin=self)),
                name="{}_{}_thumbnail".format(*info),
            ),
            *super().get_urls(),
        ]
