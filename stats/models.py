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
    # A call of an admin's test run or a slot check: paid and shown as test spend, never charged
    # against the slot's budget (stats/budget.py).
    is_test = models.BooleanField(default=False)

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


class BudgetReservation(models.Model):
    """Room held in a slot's budget for paid calls that have started and are not recorded yet.

    Made under the slot's row lock before the calls (``stats.budget.budget_reserve``), so that
    concurrent jobs never promise the same room twice; deleted once the job's calls are recorded
    as ``ProviderCall`` rows. A worker that dies in between leaves one behind: it stops counting
    at ``expires_at`` (the job's deadline plus a margin), so the room comes back by itself.
    """

    slot_id = models.UUIDField()
    job_id = models.UUIDField()
    amount = models.DecimalField(max_digits=14, decimal_places=6)
    calls = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_reservation_amount_non_negative"),
            models.CheckConstraint(condition=Q(calls__gte=1), name="budget_reservation_calls_positive"),
        ]
        indexes = [
            models.Index(fields=["slot_id", "expires_at"], name="budget_reservation_slot_live"),
            models.Index(fields=["job_id"], name="budget_reservation_job"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} for job {self.job_id}"


class BudgetAlert(models.Model):
    """That a slot's budget window reached a level (80 % spent, or exhausted) at a given cap: the
    unique row makes the JSON log line about it appear once, however many workers see it. A raised
    cap is a new cap: crossing 80 % of it is told again."""

    class Level(models.TextChoices):
        WARNING = "warning", "80 % spent"
        EXHAUSTED = "exhausted", "Exhausted"

    slot_id = models.UUIDField()
    # "day:<UTC date>" or "total".
    window = models.CharField(max_length=20)
    level = models.CharField(max_length=10, choices=Level.choices)
    cap = models.DecimalField(max_digits=12, decimal_places=4)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot_id", "window", "level", "cap"], name="budget_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.slot_id} {self.window} {self.level} at {self.cap}"
