from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Slot(models.Model):
    """A booth endpoint: one provider operation with fixed parameters behind an unguessable URL."""

    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    provider = models.CharField(_("provider"), max_length=50)
    operation = models.CharField(_("operation"), max_length=50)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Keyed hash (HMAC-SHA256) of the server-generated secret; the plaintext is shown once.
    secret_hash = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(_("is active"), default=True)
    # What the booth gets when the operation fails or is late (slots/fallback.py): "error" (a
    # 502/504 as docs/spec.md says), "original" (the booth's photo, upright) or "local:<operation>"
    # with ``on_failure_params``; served by ``answer_by`` seconds (null: T_SYNC_RESPONSE).
    on_failure = models.CharField(max_length=50, default="error")
    on_failure_params = models.JSONField(default=dict, blank=True)
    answer_by = models.FloatField(null=True, blank=True)
    # Checked by beat with the sample portrait every CANARY_PERIOD_MINUTES inside CANARY_WINDOW
    # (ingest.slot_check), so a slot that stops working is seen before a guest sees it.
    canary = models.BooleanField(
        _("canary"),
        default=False,
        help_text=_("Checked with a sample photo every few minutes during the event window (CANARY_WINDOW)."),
    )
    # Caps on the estimated provider spend of the slot's booth jobs (PROVIDER_PRICES_CURRENCY; null:
    # no cap), per UTC day and over all time. At the cap the slot stops calling paid providers
    # (stats/budget.py); test runs and checks are not charged against it.
    budget_daily = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    budget_total = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    template_media = models.ManyToManyField(
        "media.TemplateMedia", through="SlotTemplateMedia", related_name="slots", blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="slot_version_positive"),
            models.CheckConstraint(condition=~Q(secret_hash=""), name="slot_secret_hash_set"),
            models.CheckConstraint(
                condition=Q(answer_by__isnull=True) | Q(answer_by__gt=0), name="slot_answer_by_positive"
            ),
            models.CheckConstraint(
                condition=Q(answer_by__isnull=True) | ~Q(on_failure="error"), name="slot_answer_by_needs_fallback"
            ),
            models.CheckConstraint(
                condition=Q(budget_daily__isnull=True) | Q(budget_daily__gte=0), name="slot_budget_daily_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(budget_total__isnull=True) | Q(budget_total__gte=0), name="slot_budget_total_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SlotTemplateMedia(models.Model):
    """Which template media a slot's params reference; PROTECT makes 'in use' a database fact."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE)
    template_media = models.ForeignKey("media.TemplateMedia", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "template_media"], name="slot_template_media_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.slot_id} uses {self.template_media_id}"
