"""The booth's request, end to end: accept the photo, queue the job, wait for its outcome."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.db import connection

from jobs.dispatch import job_enqueue, job_revoke, job_wait, remaining_seconds
from jobs.models import Job
from jobs.services import job_create, job_input_release, job_mark_failed_timeout
from media.images import CheckedImage
from media.services import media_input_store, storage_delete_quietly
from photochanger.errors import ServiceUnavailable
from slots.models import Slot

logger = logging.getLogger(__name__)

# Booth text fields are metadata, kept bounded.
METADATA_MAX_FIELDS = 100
METADATA_MAX_VALUE = 1000


def booth_metadata(fields: Mapping[str, list[str]]) -> dict[str, str]:
    """The booth's text fields minus the password, bounded in count and length."""
    kept: dict[str, str] = {}
    for name, values in fields.items():
        if name.lower() == "password" or len(kept) >= METADATA_MAX_FIELDS:
            continue
        kept[name[:100]] = (values[-1] if values else "")[:METADATA_MAX_VALUE]
    return kept


def ingest_accept(
    *, slot: Slot, upload: IO[bytes], image: CheckedImage, metadata: Mapping[str, str], received_at: datetime
) -> Job:
    """Store the photo, create the pending job and queue it. Raises ``ServiceUnavailable``."""
    job_id = uuid.uuid4()
    deadline = received_at + timedelta(seconds=settings.T_SYNC_RESPONSE)
    media = media_input_store(job_id=job_id, upload=upload, image=image, created_at=received_at, expires_at=deadline)
    try:
        job = job_create(job_id=job_id, slot=slot, input_media=media, received_at=received_at, metadata=metadata)
    except BaseException:
        storage_delete_quietly(key=media.storage_key)
        raise
    try:
        job_enqueue(job=job)
    except Exception as exc:
        logger.exception("could not queue job %s", job.id)
        job_mark_failed_timeout(job_id=job.id, code="queue_unavailable", message="The task queue is unreachable.")
        job_input_release(job=job)
        raise ServiceUnavailable(
            "The processing queue is unavailable; try again shortly.",
            code="queue_unavailable",
            extra={"job_id": str(job.id)},
            headers={"Retry-After": "5"},
        ) from exc
    return job


def ingest_await(*, job: Job) -> Job:
    """Wait for the job's outcome until its deadline; past it, end the job as timed out."""
    # Hundreds of booth requests may wait at once: none of them should hold a database connection.
    connection.close()
    while True:
        reported = job_wait(job=job)
        job.refresh_from_db()
        if job.is_final:
            return job
        if not reported or remaining_seconds(job) <= 0:
            break
        # The task reported but the job is still active (it cannot normally happen): look again
        # shortly rather than spin on a result that is already there.
        connection.close()
        time.sleep(0.05)
    if job_mark_failed_timeout(job_id=job.id):
        job_revoke(job=job)
        job_input_release(job=job)
    job.refresh_from_db()
    return job
