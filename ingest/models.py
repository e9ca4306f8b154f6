"""Slot checks: the sample portrait sent through a slot's real pipeline before (and during) an event."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SlotCheckKind(models.TextChoices):
    MANUAL = "manual", _("manual check")
    CANARY = "canary", _("canary")


class SlotCheck(models.Model):
    """One check of one slot. Its job is a test run (``Job.is_test_run``), so booth statistics leave
    it out; the outcome is kept here in an operator's words, with how to fix a failure."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slot = models.ForeignKey("slots.Slot", on_delete=models.CASCADE, related_name="checks")
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=10, choices=SlotCheckKind.choices, default=SlotCheckKind.MANUAL)
    provider = models.CharField(max_length=50)
    operation = models.CharField(max_length=50)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # None while the check runs.
    ok = models.BooleanField(null=True, blank=True)
    # A short, stable name of the outcome ("ok", "key_missing", "quota", "too_slow", ...).
    reason_code = models.CharField(max_length=40, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    fix = models.TextField(blank=True, default="")
    latency_seconds = models.FloatField(null=True, blank=True)
    model = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ok__isnull=True, finished_at__isnull=True) | Q(ok__isnull=False, finished_at__isnull=False),
                name="slot_check_finished_iff_outcome",
            ),
        ]
        indexes = [models.Index(fields=["slot", "-started_at"], name="slot_check_slot_recent")]

    def __str__(self) -> str:
        state = "running" if self.ok is None else ("ok" if self.ok else self.reason_code)
        return f"check of {self.slot_id} ({state})"
