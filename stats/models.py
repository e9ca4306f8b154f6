from __future__ import annotations

from django.db import models
from django.db.models import Q


class ProviderCall(models.Model):
    """One provider call made for one job (with all its retries), and what it is estimated to cost.

    ``slot_id``/``job_id`` are plain copies, not foreign keys: spend history outlives deleted slots,
    and the slot's name at the time is kept beside it. The cost is fixed when the call is recorded,
    so a later price change does not rewrite past spend.
    """

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        PROVIDER_ERROR = "provider_error", "Provider error"
        PROVIDER_QUOTA = "provider_quota", "Quota / rate limit"
        PROVIDER_REFUSED = "provider_refused", "Refused (safety)"
        PROVIDER_TIMEOUT = "provider_timeout", "Timed out"
        INTERRUPTED = "interrupted", "Interrupted (job ended while the call ran)"
        ABANDONED = "abandoned", "Abandoned (a hedged call answered first)"
        PROVIDER_UNAVAILABLE = "provider_unavailable", "Not called (circuit breaker open)"

    created_at = models.DateTimeField()
    job_id = models.UUIDField(null=True, blank=True)
    slot_id = models.UUIDField(null=True, blank=True)
    slot_name = models.CharField(max_length=200, blank=True, default="")
    provider = models.CharField(max_length=50)
    model = models.CharField(max_length=100, blank=True, default="")
    # Free text on purpose: a new provider error code must still be recorded, not refused.
    outcome = models.CharField(max_length=50)
    attempts = models.PositiveIntegerField(default=1)
    duration_s = models.FloatField()
    # Token counts where the provider reports them (null: not reported, e.g. on errors).
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(null=True, blank=True)
    usage = models.JSONField(default=dict, blank=True)
    estimated_cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    # False when the price table has no entry for the model (its cost is counted as 0).
    priced = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_s__gte=0), name="provider_call_duration_non_negative"),
            models.CheckConstraint(condition=Q(estimated_cost__gte=0), name="provider_call_cost_non_negative"),
            models.CheckConstraint(condition=~Q(outcome=""), name="provider_call_outcome_set"),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="provider_call_created"),
            models.Index(fields=["slot_id", "created_at"], name="provider_call_slot_created"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}/{self.model} {self.outcome} ({self.job_id})"

    @property
    def is_error(self) -> bool:
        return self.outcome != self.Outcome.OK
