"""What a worker does with one job: claim it, call the provider within the deadline, store the
result or the failure, and always remove the temporary input."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import cast

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.storage import default_storage
from django.utils import timezone

from core.db import worker_connection_release
from core.errors import StorageUnavailable
from core.provider_registry import provider_registry
from jobs.breaker import job_circuit
from jobs.budget import BUDGET_EXHAUSTED, BUDGET_EXHAUSTED_MESSAGE, job_calls_reserve, job_calls_settle
from jobs.models import ACTIVE_STATUSES, FINAL_STATUSES, Job, JobStatus
from jobs.services import (
    SLOT_WITHDRAWN_MESSAGE,
    job_cancel_if_active,
    job_input_release,
    job_mark_failed_provider,
    job_mark_failed_timeout,
    job_mark_processing,
    job_result_store,
)
from media.models import TemplateMedia
from providers.base import ImageData, ProviderError, ProviderRequest, ProviderResult, ProviderTimeout
from stats.services import provider_call_observe, provider_side_calls_record

logger = logging.getLogger(__name__)

# A provider timeout with more time than this left is the provider's own limit, not the deadline.
LAST_MOMENT = 1.0
STRAY_INTERRUPT_RETRIES = 1


def job_run(*, job_id: str) -> str:
    """Run one job to a final status and return that status.

    Celery warns that a revoke can reach a process that has already moved on to its next task, so
    the interrupt it raises (``SoftTimeLimitExceeded``) may land anywhere in here, the claim
    included. The whole body is therefore inside one handling: the job's row tells whether the
    interrupt was meant for this job (it ended, or its time is up) or is stray (it is live and in
    time: carry on, see also ``_call_provider``).
    """
    claim = timezone.now()  # stored as started_at: after an interrupt, this task knows its own claim
    try:
        for _ in range(STRAY_INTERRUPT_RETRIES + 1):
            try:
                _claim_and_run(job_id, claim)
                break
            except SoftTimeLimitExceeded:
                if not _live_and_in_time(job_id):
                    job_mark_failed_timeout(job_id=job_id)  # a no-op when whoever sent it ended the job
                    break
                logger.warning("job %s got a stray interrupt; running it again", job_id)
        else:
            job_mark_failed_timeout(job_id=job_id)
    finally:
        status = _shielded(_input_release_if_final, job_id=job_id)
    return status or _status(job_id)


def _claim_and_run(job_id: str, claim: datetime) -> None:
    if not (job_mark_processing(job_id=job_id, started_at=claim) or _claimed_by(job_id, claim)):
        return  # cancelled, timed out or expired while queued: nothing to run, only leftovers to clear
    job = Job.objects.select_related("input_media", "slot").get(id=job_id)
    if job.slot is None or not job.slot.is_active:
        # The slot was disabled while this job was being queued (after its pending jobs were
        # cancelled): end it the same way.
        job_cancel_if_active(job=job, message=SLOT_WITHDRAWN_MESSAGE)
        return
    try:
        _run(job)
    except SoftTimeLimitExceeded:
        raise
    except StorageUnavailable as exc:  # reading the photo or storing the result (bounded by its timeouts)
        job_mark_failed_provider(job_id=job.id, code="storage_unavailable", message=exc.message)
    except Exception as exc:
        logger.exception("job %s crashed in the worker", job.id)
        job_mark_failed_provider(job_id=job.id, code="internal_error", message=f"{type(exc).__name__}: {exc}")


def _claimed_by(job_id: str, claim: datetime) -> bool:
    """Whether this task's claim committed before an interrupt cut the claim short."""
    return Job.objects.filter(id=job_id, status=JobStatus.PROCESSING, started_at=claim).exists()


def _live_and_in_time(job_id: str) -> bool:
    row = Job.objects.filter(id=job_id).values_list("status", "deadline").first()
    return row is not None and row[0] in ACTIVE_STATUSES and row[1] > timezone.now()


def _input_release_if_final(*, job_id: str) -> str:
    """Release the input of an ended job; return the job's status (one query with its input's row)."""
    job = (
        Job.objects.filter(id=job_id)
        .select_related("input_media")
        .only("status", "input_media__storage_key", "input_media__deleted_at")
        .first()
    )
    if job is None:
        return "missing"
    if job.status in FINAL_STATUSES:
        job_input_release(job=job)
    return job.status


def _shielded(cleanup: Callable[..., str], **kwargs: str) -> str | None:
    """Cleanup that a late or stray interrupt must not cut short (it would leave a temporary file)."""
    for _ in range(3):
        try:
            return cleanup(**kwargs)
        except SoftTimeLimitExceeded:
            logger.warning("cleanup interrupted; repeating it")
    return None


def _status(job_id: uuid.UUID | str) -> str:
    return Job.objects.filter(id=job_id).values_list("status", flat=True).first() or "missing"


class FileMissing(Exception):
    """A file the job needs is gone; ``code`` says which (``input_missing``, ``template_missing``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _read(key: str, *, code: str, what: str) -> bytes:
    try:
        with default_storage.open(key, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise FileMissing(code, f"The file of {what} is gone.") from None


def _build_request(job: Job) -> ProviderRequest:
    media = job.input_media
    if media is None or media.is_deleted:
        raise FileMissing("input_missing", "The input photo is gone.")
    operation = provider_registry().operation(job.provider, job.operation)
    templates: dict[str, tuple[ImageData, ...]] = {}
    for name, ids in operation.template_ids(job.params).items():
        rows = {str(t.id): t for t in TemplateMedia.objects.filter(id__in=ids)}
        # A slot may drop a template (which can then be deleted) while a job of its old params waits.
        gone = [ref for ref in ids if ref not in rows]
        if gone:
            raise FileMissing(
                "template_missing",
                f"Template media {', '.join(gone)} ({name}) was deleted after this job was queued.",
            )
        templates[name] = tuple(
            ImageData(
                _read(rows[ref].storage_key, code="template_missing", what=f"template media {ref} ({name})"),
                rows[ref].content_type,
            )
            for ref in ids
        )
    return ProviderRequest(
        operation=job.operation,
        image=ImageData(_read(media.storage_key, code="input_missing", what="the input photo"), media.content_type),
        params=job.params,
        deadline=job.deadline.timestamp(),
        templates=templates,
        fields={k: str(v) for k, v in job.booth_metadata.items()},
        # Both sizes are set on a prepared input (the model's check constraint).
        photo_size=cast(tuple[int, int], (job.photo_width, job.photo_height)) if job.input_prepared else None,
        circuit=job_circuit(job.id),
    )


def _call_provider(job: Job, request: ProviderRequest) -> ProviderResult | None:
    provider = provider_registry().provider(job.provider)
    while True:
        try:
            return provider.process(request)
        except SoftTimeLimitExceeded:
            status = _status(job.id)
            if status != JobStatus.PROCESSING:
                logger.info("job %s interrupted: it is %s now", job.id, status)
                return None
            if request.remaining() <= 0:
                job_mark_failed_timeout(job_id=job.id)
                return None
            # Celery warns that a revoke can reach a process that has moved on to another task;
            # this job is still live and in time, so the signal was not meant for it.
            logger.warning("job %s got a stray interrupt; calling the provider again", job.id)


def _end_as_timeout(job: Job, request: ProviderRequest, exc: ProviderTimeout) -> None:
    """The provider ran out of the job's time: that is a timeout (504), not a provider error.

    The provider gives up just before the deadline; the job ends at the deadline itself (here or
    by the waiting web request, whichever is first), so the booth gets its 504 on time, not early.
    """
    if request.remaining() > LAST_MOMENT:
        job_mark_failed_provider(
            job_id=job.id, code=exc.code, message=exc.message, attempts=exc.attempts, model=exc.model
        )
        return
    time.sleep(max(0.0, request.remaining()))
    job_mark_failed_timeout(job_id=job.id, message=f"No result before the deadline: {exc.message}")


def _run(job: Job) -> None:
    try:
        request = _build_request(job)
    except FileMissing as exc:
        job_mark_failed_provider(job_id=job.id, code=exc.code, message=str(exc))
        return
    # The slot's budget (jobs/budget.py): the real guard, made before any paid call starts.
    reserved = job_calls_reserve(job=job)
    if reserved == 0:
        logger.info("job %s not run: its slot's budget is used up", job.id)
        job_mark_failed_provider(job_id=job.id, code=BUDGET_EXHAUSTED, message=BUDGET_EXHAUSTED_MESSAGE, attempts=0)
        return
    try:
        _call_and_record(job, replace(request, max_calls=reserved))
    finally:
        if reserved is not None:  # after the calls are recorded: spend first, then the release
            job_calls_settle(job=job)


def _call_and_record(job: Job, request: ProviderRequest) -> None:
    # The provider call takes seconds and no database: with hundreds of jobs in flight, holding a
    # connection through it would exhaust PostgreSQL's max_connections (a small pool keeps it).
    worker_connection_release()
    started = time.monotonic()
    try:
        result = _call_provider(job, request)
    except ProviderTimeout as exc:
        provider_call_observe(job=job, answer=exc, duration_s=time.monotonic() - started)  # spend; never raises
        provider_side_calls_record(job=job, calls=exc.side_calls)
        _end_as_timeout(job, request, exc)
        return
    except ProviderError as exc:
        provider_call_observe(job=job, answer=exc, duration_s=time.monotonic() - started)
        provider_side_calls_record(job=job, calls=exc.side_calls)
        logger.info("job %s provider failure %s: %s", job.id, exc.code, exc.message)
        job_mark_failed_provider(
            job_id=job.id, code=exc.code, message=exc.message, attempts=exc.attempts, model=exc.model
        )
        return
    duration = time.monotonic() - started
    if result is not None:
        logger.info("job %s provider answered in %.3f s", job.id, duration)
        job_result_store(
            job=job,
            image=result.image,
            model=result.model,
            attempts=result.attempts,
            usage=result.usage,
            recovered_by=result.recovery,
        )
    # The spend record comes after the result is stored (which wakes the booth): off its path.
    provider_call_observe(job=job, answer=result, duration_s=duration)
    if result is not None:
        provider_side_calls_record(job=job, calls=result.side_calls)
