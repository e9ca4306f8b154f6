"""What a worker does with one job: claim it, call the provider within the deadline, store the
result or the failure, and always remove the temporary input."""

from __future__ import annotations

import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.storage import default_storage
from django.utils import timezone

from jobs.models import Job, JobStatus
from jobs.services import (
    job_cancel_if_active,
    job_input_release,
    job_mark_failed_provider,
    job_mark_failed_timeout,
    job_mark_processing,
    job_result_store,
)
from media.models import TemplateMedia
from photochanger.db import worker_connection_release
from photochanger.errors import StorageUnavailable
from photochanger.providers import provider_registry
from providers.base import ImageData, ProviderError, ProviderRequest, ProviderResult, ProviderTimeout
from stats.services import provider_call_observe

logger = logging.getLogger(__name__)

# A provider timeout with more time than this left is the provider's own limit, not the deadline.
LAST_MOMENT = 1.0
STRAY_INTERRUPT_RETRIES = 1


def job_process(*, job_id: str) -> str:
    """Run one job to a final status and return that status."""
    if not job_mark_processing(job_id=job_id):
        # Cancelled, timed out or expired while queued: nothing to run, only leftovers to clear.
        job = Job.objects.filter(id=job_id).first()
        if job is None:
            return "missing"
        if job.is_final:
            job_input_release(job=job)
        return job.status
    job = Job.objects.select_related("input_media", "slot").get(id=job_id)
    if job.slot is None or not job.slot.is_active:
        # The slot was disabled while this job was being queued (after its pending jobs were
        # cancelled): end it the same way.
        job_cancel_if_active(job=job, message="The slot was disabled or deleted by an administrator.")
        return _status(job)
    try:
        _run_until_final(job)
    except StorageUnavailable as exc:  # reading the photo or storing the result (bounded by its timeouts)
        job_mark_failed_provider(job_id=job.id, code="storage_unavailable", message=exc.message)
    except Exception as exc:
        logger.exception("job %s crashed in the worker", job.id)
        job_mark_failed_provider(job_id=job.id, code="internal_error", message=f"{type(exc).__name__}: {exc}")
    finally:
        _shielded(job_input_release, job=job)
    return _status(job)


def _run_until_final(job: Job) -> None:
    """``_run``, again if an interrupt that was not meant for this job (see ``_call_provider``)
    lands outside the provider call, e.g. while the result is stored."""
    for _ in range(STRAY_INTERRUPT_RETRIES + 1):
        try:
            _run(job)
            return
        except SoftTimeLimitExceeded:
            if _status(job) != JobStatus.PROCESSING:
                return  # ended by whoever sent the signal
            if (job.deadline - timezone.now()).total_seconds() <= 0:
                break
            logger.warning("job %s got a stray interrupt outside the provider call; running it again", job.id)
    job_mark_failed_timeout(job_id=job.id)


def _shielded(cleanup, **kwargs) -> None:
    """Cleanup that a late or stray interrupt must not cut short (it would leave a temporary file)."""
    for _ in range(3):
        try:
            cleanup(**kwargs)
            return
        except SoftTimeLimitExceeded:
            logger.warning("cleanup interrupted; repeating it")


def _status(job: Job) -> str:
    return Job.objects.filter(id=job.id).values_list("status", flat=True).first() or "missing"


def _read(key: str) -> bytes:
    with default_storage.open(key, "rb") as handle:
        return handle.read()


def _build_request(job: Job) -> ProviderRequest:
    media = job.input_media
    if media is None or media.is_deleted:
        raise FileNotFoundError("The input photo is gone.")
    operation = provider_registry().operation(job.provider, job.operation)
    templates: dict[str, tuple[ImageData, ...]] = {}
    for name, ids in operation.template_ids(job.params).items():
        rows = {str(t.id): t for t in TemplateMedia.objects.filter(id__in=ids)}
        templates[name] = tuple(ImageData(_read(rows[ref].storage_key), rows[ref].content_type) for ref in ids)
    return ProviderRequest(
        operation=job.operation,
        image=ImageData(_read(media.storage_key), media.content_type),
        params=job.params,
        deadline=job.deadline.timestamp(),
        templates=templates,
        fields={k: str(v) for k, v in job.booth_metadata.items()},
        photo_size=(job.photo_width, job.photo_height) if job.input_prepared else None,
    )


def _call_provider(job: Job, request: ProviderRequest) -> ProviderResult | None:
    provider = provider_registry().provider(job.provider)
    while True:
        try:
            return provider.process(request)
        except SoftTimeLimitExceeded:
            status = _status(job)
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
    except (FileNotFoundError, KeyError) as exc:
        job_mark_failed_provider(job_id=job.id, code="input_missing", message=str(exc))
        return
    # The provider call takes seconds and no database: with hundreds of jobs in flight, holding a
    # connection through it would exhaust PostgreSQL's max_connections (a small pool keeps it).
    worker_connection_release()
    started = time.monotonic()
    try:
        result = _call_provider(job, request)
    except ProviderTimeout as exc:
        provider_call_observe(job=job, answer=exc, duration_s=time.monotonic() - started)  # spend; never raises
        _end_as_timeout(job, request, exc)
        return
    except ProviderError as exc:
        provider_call_observe(job=job, answer=exc, duration_s=time.monotonic() - started)
        logger.info("job %s provider failure %s: %s", job.id, exc.code, exc.message)
        job_mark_failed_provider(
            job_id=job.id, code=exc.code, message=exc.message, attempts=exc.attempts, model=exc.model
        )
        return
    duration = time.monotonic() - started
    if result is not None:
        logger.info("job %s provider answered in %.3f s", job.id, duration)
        job_result_store(job=job, image=result.image, model=result.model, attempts=result.attempts, usage=result.usage)
    # The spend record comes after the result is stored (which wakes the booth): off its path.
    provider_call_observe(job=job, answer=result, duration_s=duration)
