"""Job writes. Every status change is one conditional UPDATE that reports whether it won, so a
late or duplicate writer (a provider answer after the deadline, a second cleaner, a double
cancel) changes nothing."""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, Conflict
from jobs.models import ACTIVE_STATUSES, FINAL_STATUSES, Job, JobStatus, Result
from jobs.queueing import job_revoke
from jobs.selectors import job_get
from jobs.waiting import job_notify_final
from media.images import EXTENSIONS
from media.models import MediaObject
from media.services import media_delete, storage_delete_quietly, storage_delete_unless_committed, storage_write
from media.storage import RESULTS, storage_key
from providers.base import ImageData
from providers.plain_words import text_plain
from slots.models import Slot
from slots.selectors import SlotDisabled, SlotNotFound, SlotPasswordInvalid

logger = logging.getLogger(__name__)


def _transition(job_id: uuid.UUID | str, sources: Iterable[str], target: str, **changes: Any) -> bool:
    won = Job.objects.filter(id=job_id, status__in=list(sources)).update(status=target, **changes) == 1
    if won:
        logger.info("job %s -> %s", job_id, target, extra={"job_id": str(job_id), "status": target})
        if target in FINAL_STATUSES:
            transaction.on_commit(partial(job_notify_final, job_id=job_id))
    return won


def job_mark_processing(*, job_id: uuid.UUID | str, started_at: datetime | None = None) -> bool:
    """``pending -> processing``. ``started_at`` lets a worker recognise its own claim afterwards."""
    return _transition(job_id, [JobStatus.PENDING], JobStatus.PROCESSING, started_at=started_at or timezone.now())


def job_mark_completed(
    *,
    job_id: uuid.UUID | str,
    model: str = "",
    attempts: int = 1,
    usage: Mapping[str, Any] | None = None,
    recovered_by: str = "",
) -> bool:
    return _transition(
        job_id,
        [JobStatus.PROCESSING],
        JobStatus.COMPLETED,
        finished_at=timezone.now(),
        model=model[:100],
        attempts=attempts,
        usage=dict(usage or {}),
        recovered_by=recovered_by[:30],
    )


def job_mark_failed_timeout(
    *, job_id: uuid.UUID | str, code: str = "deadline_exceeded", message: str = "No result before the deadline."
) -> bool:
    # From pending too: a job no worker picked up in time (or whose input expired) must end
    # (docs/decisions/0002-pending-to-failed-timeout.md).
    return _transition(
        job_id,
        [JobStatus.PENDING, JobStatus.PROCESSING],
        JobStatus.FAILED_TIMEOUT,
        finished_at=timezone.now(),
        failure_code=code,
        failure_message=message,
    )


def job_mark_failed_provider(
    *, job_id: uuid.UUID | str, code: str, message: str, attempts: int = 1, model: str = ""
) -> bool:
    return _transition(
        job_id,
        [JobStatus.PROCESSING],
        JobStatus.FAILED_PROVIDER,
        finished_at=timezone.now(),
        failure_code=code or "provider_error",
        # Read in the admin site and the jobs API: a library's words, never a Python repr.
        failure_message=text_plain(message, default="The provider failed.", max_length=2000),
        attempts=attempts,
        model=model[:100],
    )


def job_mark_cancelled(*, job_id: uuid.UUID | str, message: str = "Cancelled by an administrator.") -> bool:
    return _transition(
        job_id,
        [JobStatus.PENDING, JobStatus.PROCESSING],
        JobStatus.CANCELLED,
        finished_at=timezone.now(),
        failure_code="cancelled",
        failure_message=message,
    )


class SlotBusy(ApplicationError):
    status = 429
    code = "slot_busy"

    def __init__(self) -> None:
        super().__init__(_("This slot has too many photos in flight; try again shortly."), headers={"Retry-After": "5"})


def booth_fields_capped(fields: Mapping[str, str], *, max_bytes: int) -> dict[str, str]:
    """The booth's fields in their order while their total size (UTF-8 names and values) fits
    ``max_bytes``; from the first that does not fit on, fields are dropped whole, never cut."""
    kept: dict[str, str] = {}
    total = 0
    for name, value in fields.items():
        total += len(name.encode("utf-8", "surrogatepass")) + len(value.encode("utf-8", "surrogatepass"))
        if total > max_bytes:
            logger.warning("booth fields past %d bytes dropped: %d of %d kept", max_bytes, len(kept), len(fields))
            break
        kept[name] = value
    return kept


def job_deadline(*, received_at: datetime) -> datetime:
    """When a job received at ``received_at`` must be final: the booth's response deadline, which
    also bounds its input photo's life and its task's time limits."""
    return received_at + timedelta(seconds=settings.T_SYNC_RESPONSE)


def job_create(
    *,
    job_id: uuid.UUID,
    slot: Slot,
    input_media: MediaObject,
    received_at: datetime,
    metadata: Mapping[str, str],
    is_test_run: bool = False,
    input_sha256: str = "",
    idempotency_key: str = "",
    photo_size: tuple[int, int] | None = None,
    input_prepared: bool = False,
    max_in_flight: int = 0,
    secret_hash_checked: str = "",
) -> Job:
    """Create the input media row and the pending job together; the caller enqueues after commit.

    The job runs the slot's operation as it is now, not as ``slot`` (read before the upload) had
    it. ``secret_hash_checked``: the secret hash the booth's password matched ("": no password, a
    test run). Raises ``SlotNotFound`` (deleted meanwhile), ``SlotPasswordInvalid`` (secret changed
    since), ``SlotDisabled``, ``SlotBusy`` (``max_in_flight`` jobs active; 0: no cap), and
    ``IntegrityError`` when the slot has an active job for the same photo or idempotency key (a
    booth retry: the caller attaches to it).
    """
    with transaction.atomic():
        # The slot's row lock makes the checks and the insert one step: requests of one slot take
        # turns here (briefly), so a burst cannot all count below the cap before any of them
        # inserts, and an admin's delete, disable, new password or new operation either waits for
        # the job (whose pending job it then cancels or lets run) or is seen here. (NO KEY UPDATE:
        # other writes that merely reference the slot are not blocked.)
        current = (
            Slot.objects.select_for_update(no_key=True)
            .only("is_active", "secret_hash", "provider", "operation", "params")
            .filter(id=slot.id)
            .first()
        )
        if current is None:
            raise SlotNotFound("No slot has this id.")
        # Before "disabled", as at the door: without the right password nothing more is told.
        if secret_hash_checked and not hmac.compare_digest(secret_hash_checked, current.secret_hash):
            raise SlotPasswordInvalid("The slot password was changed while the photo was sent.")
        if not current.is_active:
            raise SlotDisabled("This slot is disabled.")
        if max_in_flight and Job.objects.filter(slot=slot, status__in=ACTIVE_STATUSES).count() >= max_in_flight:
            raise SlotBusy()
        input_media.save()
        return Job.objects.create(
            id=job_id,
            slot=current,
            provider=current.provider,
            operation=current.operation,
            params=current.params,
            created_at=received_at,
            deadline=job_deadline(received_at=received_at),
            celery_task_id=str(uuid.uuid4()),
            input_media=input_media,
            booth_metadata=booth_fields_capped(metadata, max_bytes=settings.BOOTH_FIELDS_MAX_BYTES),
            is_test_run=is_test_run,
            input_sha256=input_sha256,
            idempotency_key=idempotency_key,
            photo_width=photo_size[0] if photo_size else None,
            photo_height=photo_size[1] if photo_size else None,
            input_prepared=input_prepared,
        )


def job_input_release(*, job: Job) -> None:
    """Delete the job's temporary input (idempotent; any path may call it). A job loaded with its
    ``input_media`` (``select_related``) costs one query less."""
    if job.input_media_id is None:
        return
    media = job.input_media if Job.input_media.is_cached(job) else None
    if media is not None and media.deleted_at is not None:
        return  # released already
    media_delete(media_id=job.input_media_id, storage_key=media.storage_key if media is not None else None)


def job_result_store(
    *,
    job: Job,
    image: ImageData,
    model: str = "",
    attempts: int = 1,
    usage: Mapping[str, Any] | None = None,
    recovered_by: str = "",
) -> Result | None:
    """Store the processed image and complete the job, or discard the bytes if the job moved on."""
    key = storage_key(RESULTS, job.id, EXTENSIONS.get(image.content_type, "bin"))
    size = storage_write(key=key, content=image.data)
    now = timezone.now()
    try:
        # Leaving the block commits and then runs the wake-up (on-commit): whatever is raised from
        # here may come after COMMIT, when the completed job already owns the file.
        with transaction.atomic():
            if job_mark_completed(
                job_id=job.id, model=model, attempts=attempts, usage=usage, recovered_by=recovered_by
            ):
                return Result.objects.create(
                    job=job,
                    storage_key=key,
                    content_type=image.content_type,
                    size=size,
                    created_at=now,
                    expires_at=now + timedelta(hours=settings.RESULT_TTL_HOURS),
                )
    except BaseException:
        storage_delete_unless_committed(key=key, committed=Result.objects.filter(storage_key=key).exists)
        raise
    logger.info("job %s left processing before its result arrived; result discarded", job.id)
    storage_delete_quietly(key=key)
    return None


# --- Admin API writes -------------------------------------------------------------------------


def job_cancel_if_active(*, job: Job, message: str = "Cancelled by an administrator.") -> bool:
    """``pending|processing -> cancelled`` and stop everything the job holds: the task is revoked,
    a booth waiting on it is woken (it answers 409) and the input is deleted. False if it had ended."""
    if not job_mark_cancelled(job_id=job.id, message=message):
        return False
    # After the status change: a worker that starts now sees the job cancelled and stops, and the
    # booth woken here reads the final status.
    job_revoke(job=job)
    job_input_release(job=job)
    return True


# A job's failure message when its slot was disabled or deleted before it ran (here or by the worker).
SLOT_WITHDRAWN_MESSAGE = "The slot was disabled or deleted by an administrator."


def jobs_cancel_pending_of_slot(*, slot: Slot) -> int:
    """Cancel the slot's pending jobs (it was disabled or deleted); a booth waiting on one is woken
    and answered 409. Returns how many this call cancelled: a job that finished or was cancelled by
    someone else meanwhile is left alone."""
    return sum(
        job_cancel_if_active(job=job, message=SLOT_WITHDRAWN_MESSAGE)
        for job in Job.objects.filter(slot=slot, status=JobStatus.PENDING)
    )


def job_cancel(*, job_id: uuid.UUID | str) -> Job:
    """Cancel a job for an admin. Raises ``JobNotFound`` (404), or ``Conflict`` (409
    ``job_already_final``) when the job had already ended — also when it ended between our read
    and our conditional update."""
    job = job_get(job_id=job_id)
    if not job_cancel_if_active(job=job):
        job.refresh_from_db(fields=["status"])
        raise Conflict(
            _("The job is already %(status)s; only pending or processing jobs can be cancelled.")
            % {"status": str(job.get_status_display()).lower()},
            code="job_already_final",
            extra={"job_id": str(job.id), "status": job.status},
        )
    job.refresh_from_db()
    return job
