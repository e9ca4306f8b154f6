"""The booth's request, end to end: accept the photo, queue the job, wait for its outcome."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import IO, NoReturn, cast

import redis
from django.db import IntegrityError
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from core.db import connection_release
from core.errors import ApplicationError, Conflict, ServiceUnavailable
from ingest.selectors import ingest_duplicate_find
from jobs.models import Job
from jobs.queueing import job_enqueue, job_revoke
from jobs.selectors import job_with_result
from jobs.services import job_create, job_deadline, job_input_release, job_mark_failed_timeout
from jobs.waiting import job_wait
from media.images import CheckedImage
from media.models import MediaObject
from media.services import media_input_store, storage_delete_quietly, storage_delete_unless_committed
from slots.models import Slot

logger = logging.getLogger(__name__)

# Booth text fields are metadata, kept bounded.
METADATA_MAX_FIELDS = 100
METADATA_MAX_NAME = 100
METADATA_MAX_VALUE = 1000

IDEMPOTENCY_KEY_MAX_LENGTH = cast(int, Job._meta.get_field("idempotency_key").max_length)  # a CharField: it has one
# Printable ASCII (what an HTTP header carries as text): nothing the database refuses, no look-alikes.
IDEMPOTENCY_KEY_CHARACTERS = re.compile(r"[\x20-\x7e]*")


class InvalidIdempotencyKey(ApplicationError):
    status = 400
    code = "invalid_idempotency_key"


class PhotoAlreadyAccepted(Exception):
    """A concurrent request with the same photo (a booth resend) created its job first."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"the photo is already job {job.id}")
        self.job = job


def _storable(text: str) -> str:
    # PostgreSQL refuses NUL in text and jsonb values alike.
    return text.replace("\x00", "")


def booth_metadata(fields: Mapping[str, list[str]]) -> dict[str, str]:
    """The booth's text fields minus the password, bounded in count and length, without the NUL
    characters the database refuses (in names too)."""
    kept: dict[str, str] = {}
    for raw_name, values in fields.items():
        name = _storable(raw_name)[:METADATA_MAX_NAME]
        if not name or name.lower() == "password" or len(kept) >= METADATA_MAX_FIELDS:
            continue
        kept[name] = _storable(values[-1] if values else "")[:METADATA_MAX_VALUE]
    return kept


def idempotency_key_clean(raw: str) -> str:
    """The booth's ``Idempotency-Key`` header as stored ("" without one). Raises
    ``InvalidIdempotencyKey`` for a key that would have to be cut or changed to be stored."""
    key = raw.strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidIdempotencyKey(f"The Idempotency-Key is longer than {IDEMPOTENCY_KEY_MAX_LENGTH} characters.")
    if not IDEMPOTENCY_KEY_CHARACTERS.fullmatch(key):
        raise InvalidIdempotencyKey("The Idempotency-Key may hold printable ASCII characters only.")
    return key


def ingest_accept(
    *,
    slot: Slot,
    upload: IO[bytes],
    image: CheckedImage,
    metadata: Mapping[str, str],
    received_at: datetime,
    is_test_run: bool = False,
    input_sha256: str = "",
    idempotency_key: str = "",
    max_in_flight: int = 0,
    secret_hash_checked: str = "",
) -> Job:
    """Store the photo, create the pending job and queue it.

    Raises ``PhotoAlreadyAccepted`` when a concurrent resend of the photo created its job first
    (answer with that job), or an ``ApplicationError``: ``IdempotencyKeyReused`` (422), ``SlotBusy``
    (429: ``max_in_flight`` jobs active, 0 for no cap), ``SlotNotFound`` (404: deleted meanwhile),
    ``SlotPasswordInvalid`` (401: its password changed since the booth's was checked against
    ``secret_hash_checked``), ``SlotDisabled`` (403: disabled meanwhile), ``Conflict`` (409) or
    ``ServiceUnavailable`` (503). ``is_test_run`` marks an admin's test run (``ingest.testrun``),
    which booth statistics leave out.
    """
    job_id = uuid.uuid4()
    deadline = job_deadline(received_at=received_at)
    media = media_input_store(job_id=job_id, upload=upload, image=image, created_at=received_at, expires_at=deadline)
    try:
        job = job_create(
            job_id=job_id,
            slot=slot,
            input_media=media,
            received_at=received_at,
            metadata=metadata,
            is_test_run=is_test_run,
            input_sha256=input_sha256,
            idempotency_key=idempotency_key,
            photo_size=(image.width, image.height),
            input_prepared=image.prepared is not None,
            max_in_flight=max_in_flight,
            secret_hash_checked=secret_hash_checked,
        )
    except IntegrityError as exc:
        storage_delete_quietly(key=media.storage_key)
        _raise_for_concurrent_original(exc, slot=slot, input_sha256=input_sha256, idempotency_key=idempotency_key)
    except BaseException:
        # An interrupt may come after COMMIT: then the pending job owns this file and its worker
        # needs it. Delete only what surely has no row.
        storage_delete_unless_committed(
            key=media.storage_key, committed=lambda: MediaObject.objects.filter(id=media.id).exists()
        )
        raise
    try:
        job_enqueue(job=job)
    except Exception as exc:
        logger.exception("could not queue job %s", job.id)
        job_mark_failed_timeout(job_id=job.id, code="queue_unavailable", message="The task queue is unreachable.")
        job_input_release(job=job)
        raise ServiceUnavailable(
            _("The processing queue is unavailable; try again shortly."),
            code="queue_unavailable",
            extra={"job_id": str(job.id)},
            headers={"Retry-After": "5"},
        ) from exc
    return job


# The database's "one active job per slot and photo (or key)" rules, which a booth resend can hit.
ONE_ACTIVE_JOB_CONSTRAINTS = frozenset({"job_one_active_per_photo", "job_one_active_per_idempotency_key"})


def _raise_for_concurrent_original(
    exc: IntegrityError, *, slot: Slot, input_sha256: str, idempotency_key: str
) -> NoReturn:
    if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) not in ONE_ACTIVE_JOB_CONSTRAINTS:
        raise exc
    # A resend raced this request past the lookup and created its job first.
    original = ingest_duplicate_find(slot=slot, input_sha256=input_sha256, idempotency_key=idempotency_key)
    if original is not None:
        raise PhotoAlreadyAccepted(original) from exc
    # That job ended (failed or cancelled) in between: sending the photo again starts a new one.
    raise Conflict(
        _("The same photo was being processed a moment ago; send it again."),
        code="photo_in_progress",
        headers={"Retry-After": "1"},
    ) from exc


def ingest_await(*, job: Job, until: datetime | None = None) -> Job:
    """Wait for the job's outcome until its deadline; past it, end the job as timed out.

    ``until`` (before the deadline): stop waiting then and return the job as it is, maybe still
    active, without ending it (a fallback is served meanwhile; ingest/fallback.py). If Redis (the
    wake-up, ``jobs.waiting``) fails during the wait, the job's row is watched instead: a worker
    that still finishes in time is answered; otherwise the booth hears the queue is down.
    """
    if job.is_final:  # a booth retry of a job that already ended
        return job
    # Hundreds of booth requests may wait at once: none of them should hold a database connection.
    connection_release()
    failure_code = "deadline_exceeded"
    while True:
        try:
            reported = job_wait(job=job, until=until)
        except QUEUE_ERRORS as exc:
            logger.error("Redis failed while job %s waited: %s", job.id, exc)
            failure_code = "queue_unavailable"
            _watch_row_until_deadline(job, until=until)
            reported = False
        job = job_with_result(job_id=job.id)
        if job.is_final:
            return job
        if not reported or job.seconds_left(until=until) <= 0:
            break
        # Signalled, yet the row is still active (a signal is only sent after the final commit, so
        # this is a replica lagging or a stray signal): look again shortly rather than spin.
        connection_release()
        time.sleep(ROW_POLL_SECONDS)
    if job.seconds_left() > 0:  # stopped at ``until``: the job goes on
        connection_release()
        return job
    if job_mark_failed_timeout(job_id=job.id, code=failure_code, message=FAILURE_MESSAGE_BY_CODE[failure_code]):
        job_revoke(job=job)
        job_input_release(job=job)
    job.refresh_from_db()
    return job


QUEUE_ERRORS = (redis.RedisError, KombuOperationalError, OSError)
ROW_POLL_SECONDS = 0.2
# Stored as the job's failure message when the booth's wait ends it (the answer itself: ingest/apis.py).
FAILURE_MESSAGE_BY_CODE = {
    "deadline_exceeded": "No result before the deadline.",
    "queue_unavailable": "The task queue failed while the photo was being processed.",
}


def _watch_row_until_deadline(job: Job, *, until: datetime | None = None) -> None:
    while job.seconds_left(until=until) > 0:
        job.refresh_from_db(fields=["status"])
        connection_release()
        if job.is_final:
            return
        time.sleep(min(ROW_POLL_SECONDS, max(job.seconds_left(until=until), 0)))
