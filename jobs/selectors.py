"""Job and result reads for the admin API and the signed result links."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, ValidationFailed
from core.ids import uuid_or_none
from jobs.filters import JobFilter
from jobs.models import Job, Result

RESULT_LINK_SALT = "photochanger.result-link"


class JobNotFound(ApplicationError):
    status = 404
    code = "job_not_found"


class ResultNotFound(ApplicationError):
    status = 404
    code = "result_not_found"


class ResultGone(ApplicationError):
    status = 410
    code = "result_expired"


@dataclass(frozen=True)
class ServableResult:
    """A live result with its file opened for streaming; the caller's response closes it."""

    result: Result
    file: File

    @property
    def filename(self) -> str:
        return self.result.storage_key.rsplit("/", 1)[-1]


def result_link_signer() -> signing.Signer:
    # The expiry travels inside the signed payload, so a plain Signer is enough; the salt keeps
    # these tokens from being valid anywhere else Django signs with the same SECRET_KEY.
    return signing.Signer(salt=RESULT_LINK_SALT)


def job_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Job]:
    """Jobs newest first, narrowed by the ``JobFilter`` query parameters.

    Invalid filter values raise ``ValidationFailed`` (422): a silently ignored filter would list
    jobs the caller asked to exclude.
    """
    queryset = Job.objects.select_related("slot", "result").order_by("-created_at", "-id")
    filterset = JobFilter(data=filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationFailed({name: [str(msg) for msg in errors] for name, errors in filterset.errors.items()})
    return filterset.qs


def job_get(*, job_id: uuid.UUID | str) -> Job:
    key = uuid_or_none(job_id)
    job = Job.objects.select_related("slot", "result").filter(id=key).first() if key is not None else None
    if job is None:
        raise JobNotFound("No job has this id.")
    return job


def job_with_result(*, job_id: uuid.UUID | str) -> Job:
    """The job and its result row (if any) in one query: what a woken booth request answers with."""
    return Job.objects.select_related("result").get(id=job_id)


def job_result(*, job: Job) -> Result | None:
    """The job's result row, or None (the reverse one-to-one raises when there is none)."""
    return getattr(job, "result", None)


def result_is_expired(*, result: Result, now: datetime | None = None) -> bool:
    # Checked on every read: the cleaner may not have run yet, but the TTL is the promise.
    now = now or timezone.now()
    return result.expired_at is not None or now >= result.expires_at


def result_live(*, job: Job) -> Result | None:
    """The job's result while it is meant to exist: there is one and it has not expired."""
    result = job_result(job=job)
    return None if result is None or result_is_expired(result=result) else result


def result_get_live(*, job_id: uuid.UUID | str) -> Result:
    """The job's result while it may be served: 404 without one, 410 once expired or lost."""
    job = job_get(job_id=job_id)
    result = job_result(job=job)
    if result is None:
        raise ResultNotFound("This job has no result.", extra={"job_id": str(job.id)})
    _result_ensure_live(result, extra={"job_id": str(job.id)})
    if not default_storage.exists(result.storage_key):
        raise ResultGone("The result file is no longer stored.", code="result_gone", extra={"job_id": str(job.id)})
    return result


def result_get_servable(*, job_id: uuid.UUID | str) -> ServableResult:
    job = job_get(job_id=job_id)
    result = job_result(job=job)
    if result is None:
        raise ResultNotFound("This job has no result.", extra={"job_id": str(job.id)})
    return _result_open(result, extra={"job_id": str(job.id)})


def result_get_servable_by_link(*, token: str) -> ServableResult:
    """The result a signed link points to, while both the link and the result are valid.

    A forged or garbled token is 404 (nothing to say about it); a genuine one whose link or
    result has expired, whose job is gone, or whose result's links were revoked since, is 410.
    Error bodies carry no job id: the holder of a link is not an administrator.
    """
    try:
        payload = result_link_signer().unsign_object(token)
        job_id = uuid_or_none(payload["job"])
        if job_id is None:
            raise ValueError("not a job id")
        link_expires = float(payload["exp"])
        link_version = int(payload.get("v", 0))
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ApplicationError(_("This link is not valid."), code="result_link_invalid", status=404) from exc
    if timezone.now().timestamp() >= link_expires:
        raise ResultGone(_("This link has expired."), code="result_link_expired")
    result = Result.objects.filter(job_id=job_id).first()
    if result is None:
        raise ResultGone("This result is no longer available.")
    if link_version != result.link_version:
        raise ResultGone("This link was revoked.", code="result_link_revoked")
    return _result_open(result, extra={})


def _result_ensure_live(result: Result, *, extra: Mapping[str, Any]) -> None:
    if result_is_expired(result=result):
        raise ResultGone("The result has expired and is no longer available.", extra=extra)


def _result_open(result: Result, *, extra: Mapping[str, Any]) -> ServableResult:
    _result_ensure_live(result, extra=extra)
    try:
        file = default_storage.open(result.storage_key, "rb")
    except FileNotFoundError as exc:
        raise ResultGone("The result file is no longer stored.", code="result_gone", extra=extra) from exc
    return ServableResult(result=result, file=file)
