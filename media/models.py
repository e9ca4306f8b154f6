from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class MediaObject(models.Model):
    """A temporary file: a booth photo waiting for its job, or a file registered for a provider."""

    class Kind(models.TextChoices):
        INGEST_INPUT = "ingest_input", "Ingest input"
        REGISTERED = "registered", "Registered"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    storage_key = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="media_expires_after_created"),
            models.CheckConstraint(condition=Q(kind__in=["ingest_input", "registered"]), name="media_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(deleted_at__isnull=True), name="media_live_expiry"),
        ]

    def __str__(self) -> str:
        return self.storage_key

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class TemplateMedia(models.Model):
    """An admin's file used by slots (style reference, frame). Never publicly linked."""

    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    storage_key = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size"))
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("template media")
        verbose_name_plural = _("template media")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name
