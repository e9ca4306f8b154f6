"""Input and output shapes of the template media and temporary media endpoints."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from media.models import TemplateMedia


class UploadInputSerializer(serializers.Serializer):
    # Optional here so that a missing file is a 400 (malformed request), not a 422; an empty file
    # reaches the image check and is a 415 like any other unusable upload.
    file = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="A JPEG, PNG, WebP, HEIC/HEIF or AVIF image (HEIC and AVIF are stored as JPEG).",
    )


class TemplateMediaRegisterInputSerializer(UploadInputSerializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TemplateMedia._meta.get_field("name").max_length,
        help_text="Defaults to the uploaded file's name.",
    )


class TemplateMediaOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = TemplateMedia
        # Deliberately no URL: template files are read by workers by id and never linked.
        fields = ["id", "name", "content_type", "size", "width", "height", "created_at"]
        read_only_fields = fields


class SlotRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class TemplateMediaDetailOutputSerializer(TemplateMediaOutputSerializer):
    used_by = SlotRefSerializer(source="slots", many=True, read_only=True, help_text="Slots that use this file.")

    class Meta(TemplateMediaOutputSerializer.Meta):
        fields = [*TemplateMediaOutputSerializer.Meta.fields, "used_by"]
        read_only_fields = fields


class MediaRegisterOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField(help_text="Public, unguessable link; answers 410 Gone after expires_at.")
    expires_at = serializers.DateTimeField()


# The 409 body of a refused template delete: the usual error plus the slots that block it.
TemplateMediaInUseErrorSerializer = inline_serializer(
    name="TemplateMediaInUseError",
    fields={
        "error": inline_serializer(
            name="TemplateMediaInUseErrorDetail",
            fields={
                "code": serializers.CharField(help_text="template_media_in_use"),
                "message": serializers.CharField(),
                "slots": SlotRefSerializer(many=True),
            },
        )
    },
)
