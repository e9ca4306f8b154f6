from __future__ import annotations

import uuid
from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    COMPLETED = "completed", _("Completed")
    FAILED_TIMEOUT = "failed_timeout", _("Failed: timeout")
    FAILED_PROVIDER = "failed_provider", _("Failed: provider")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.PROCESSING)
FINAL_STATUSES = (
    JobStatus.COMPLETED,
    JobStatus.FAILED_TIMEOUT,
    JobStatus.FAILED_PROVIDER,
    JobStatus.CANCELLED,
)


class Job(models.Model):
    """One booth photo through one provider operation. Status changes only in ``jobs.services``."""

    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    slot = models.ForeignKey(
        "slots.Slot", on_delete=models.SET_NULL, null=True, related_name="jobs", verbose_name=_("slot")
    )
    # What ran, copied from the slot when the photo arrived.
    provider = models.CharField(_("provider"), max_length=50)
    operation = models.CharField(_("operation"), max_length=50)
    params = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    created_at = models.DateTimeField(_("created at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField()
    celery_task_id = models.CharField(_("Celery task id"), max_length=64, unique=True)
    failure_code = models.CharField(_("failure code"), max_length=50, blank=True, default="")
    failure_message = models.TextField(_("failure message"), blank=True, default="")
    input_media = models.ForeignKey(
        "media.MediaObject", on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    # The booth's multipart text fields (name, survey answers, ...), never the password.
    booth_metadata = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    model = models.CharField(_("model"), max_length=100, blank=True, default="")
    usage = models.JSONField(default=dict, blank=True)
    # An operator's test run from the admin site: same pipeline, left out of booth statistics.
    is_test_run = models.BooleanField(_("is test run"), default=False)
    # Booth retries: the same photo (by content) or the same Idempotency-Key never starts a second
    # job while the first is active (enforced below); ingest attaches the retry to it instead.
    input_sha256 = models.CharField(max_length=64, blank=True, default="")
    idempotency_key = models.CharField(max_length=200, blank=True, default="")
    # The booth photo's upright pixel size. ``input_prepared``: the stored input is already in the
    # provider's photo form (made by the web's check), which may be smaller than the photo.
    photo_width = models.PositiveIntegerField(null=True, blank=True)
    photo_height = models.PositiveIntegerField(null=True, blank=True)
    input_prepared = models.BooleanField(default=False)
    # The booth got its slot's fallback instead of this job's answer (ingest/fallback.py): why
    # (the failure code, or "answer_by" when the job was still running), what was served
    # ("original", "local:sepia", ...) and when. The job's own status stays its true outcome.
    fallback_reason = models.CharField(max_length=50, blank=True, default="")
    fallback_served = models.CharField(max_length=50, blank=True, default="")
    fallback_at = models.DateTimeField(null=True, blank=True)
    # The booth had hung up (its own timeout passed first) when its answer was ready, or the
    # answer could not be written to it: it never printed this answer (ingest/delivery.py).
    booth_disconnected_at = models.DateTimeField(null=True, blank=True)
    # How a completed job's image was obtained when the first plan failed ("": it did not):
    # "refusal_prompt" = the model refused and the slot's refusal prompt got the image.
    recovered_by = models.CharField(_("recovered by"), max_length=30, blank=True, default="")

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="job_status_valid"),
            models.CheckConstraint(
                condition=Q(input_prepared=False) | Q(photo_width__isnull=False, photo_height__isnull=False),
                name="job_prepared_input_has_photo_size",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ACTIVE_STATUSES, finished_at__isnull=True)
                | Q(status__in=FINAL_STATUSES, finished_at__isnull=False),
                name="job_finished_iff_final",
            ),
            models.CheckConstraint(
                condition=~Q(status=JobStatus.COMPLETED) | Q(failure_code=""),
                name="job_completed_has_no_failure",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[JobStatus.FAILED_TIMEOUT, JobStatus.FAILED_PROVIDER]) | ~Q(failure_code=""),
                name="job_failure_has_code",
            ),
            models.CheckConstraint(condition=Q(deadline__gt=F("created_at")), name="job_deadline_after_created"),
            models.CheckConstraint(
                condition=Q(fallback_reason="", fallback_served="", fallback_at__isnull=True)
                | (~Q(fallback_reason="") & ~Q(fallback_served="") & Q(fallback_at__isnull=False)),
                name="job_fallback_recorded_whole",
            ),
            models.UniqueConstraint(
                fields=["slot", "input_sha256"],
                condition=Q(status__in=ACTIVE_STATUSES) & ~Q(input_sha256=""),
                name="job_one_active_per_photo",
            ),
            models.UniqueConstraint(
                fields=["slot", "idempotency_key"],
                condition=Q(status__in=ACTIVE_STATUSES) & ~Q(idempotency_key=""),
                name="job_one_active_per_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["deadline"], condition=Q(status__in=ACTIVE_STATUSES), name="job_active_deadline"),
            models.Index(fields=["slot", "-created_at"], name="job_slot_recent"),
            models.Index(fields=["slot", "input_sha256", "-created_at"], name="job_slot_photo_recent"),
            # The booth-fields sweep reads only the jobs that still hold some.
            models.Index(fields=["finished_at"], condition=~Q(booth_metadata={}), name="job_booth_fields_kept"),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def seconds_left(self, *, until: datetime | None = None) -> float:
        """Seconds until the job's deadline, or ``until`` when that comes first (negative once passed)."""
        end = self.deadline if until is None else min(until, self.deadline)
        return (end - timezone.now()).total_seconds()


class Result(models.Model):
    """The processed image of a completed job, kept for RESULT_TTL_HOURS."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, primary_key=True, related_name="result")
    storage_key = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    # Signed into every share link; revoking the result's links bumps it, so older links stop.
    link_version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="result_expires_after_created"),
        ]

    def __str__(self) -> str:
        return self.storage_key
