"""Handing the booth its answer: the job's own, the slot's fallback, or nothing to a booth that
hung up; and, when the answer went out before the job's deadline, ending the job at its deadline
afterwards exactly as a booth that waited would have (docs/spec.md: the job keeps its outcome)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from ingest.delivery import booth_disconnected_response, booth_hung_up
from ingest.fallback import Fallback
from ingest.services import ingest_await
from jobs.booth_answer import job_booth_disconnected_record, job_fallback_record
from jobs.models import Job

logger = logging.getLogger(__name__)

FALLBACK_HEADER = "X-PhotoChanger-Fallback"


def answer_deliver(
    request: HttpRequest, *, job: Job, fallback: Fallback | None, job_response: Callable[[Job], HttpResponseBase]
) -> HttpResponseBase:
    if booth_hung_up(request):
        job_booth_disconnected_record(job_id=job.id)
        response: HttpResponseBase = booth_disconnected_response(job_id=str(job.id))
    elif fallback is not None:
        job_fallback_record(job_id=job.id, reason=fallback.reason, served=fallback.served)
        response = fallback_response(job=job, fallback=fallback)
    else:
        response = job_response(job)
    if not job.is_final:
        # Answered early (answer_by): this thread still ends the job at its deadline, after the
        # booth has its print. Django runs a response's closers once the server has written it.
        response._resource_closers.append(partial(_job_end_by_deadline, job))  # type: ignore[attr-defined]
    return response


def fallback_response(*, job: Job, fallback: Fallback) -> HttpResponse:
    response = HttpResponse(fallback.image.data, content_type=fallback.image.content_type)
    response["Content-Length"] = str(len(fallback.image.data))
    response["X-Job-Id"] = str(job.id)
    response[FALLBACK_HEADER] = fallback.reason
    response["Cache-Control"] = "no-store"
    return response


def _job_end_by_deadline(job: Job) -> None:
    try:
        ingest_await(job=job)
    except Exception:  # Django swallows a closer's errors silently: say what happened
        logger.exception("job %s: waiting for its deadline after an early answer failed", job.id)
