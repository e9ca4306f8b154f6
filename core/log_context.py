"""Binding a job's and a slot's ids to every log line written while handling them: the booth's
request (``LogContextMiddleware``, which also logs one line per ingest request) and the worker's
task (Celery signals). The formatting and scrubbing live in ``core.logging``."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from core.ids import uuid_or_none
from core.logging import log_context_bind, log_context_unbind, logging_configure

INGEST_PATH = re.compile(r"^/ingest/([^/]+)/?$")
request_logger = logging.getLogger("photochanger.requests")


def _error_code(response: Any) -> str | None:
    """The ``error.code`` of a JSON error answer (small bodies only), for the request line."""
    if response.status_code < 400 or getattr(response, "streaming", False):
        return None
    if not response.get("Content-Type", "").startswith("application/json") or len(response.content) > 4096:
        return None
    try:
        return str(json.loads(response.content)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


class LogContextMiddleware:
    """Binds ``slot_id`` for an ingest request and logs one line per ingest request with its
    outcome (status, job_id, duration). The booth's form fields and headers are never logged."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        match = INGEST_PATH.match(request.path)
        if match is None:
            return self.get_response(request)
        started = time.monotonic()
        tokens = log_context_bind(slot_id=uuid_or_none(match.group(1)))
        try:
            response = self.get_response(request)
            job_id = response.get("X-Job-Id") or None
            request_logger.info(
                "ingest %s %d",
                request.method,
                response.status_code,
                extra={
                    "job_id": job_id,
                    "status_code": response.status_code,
                    "duration_s": round(time.monotonic() - started, 3),
                    "error_code": _error_code(response),
                },
            )
            return response
        finally:
            log_context_unbind(tokens)


def _task_bind(
    sender: Any = None, task_id: str | None = None, task: Any = None, args: Any = None, kwargs: Any = None, **extra: Any
):
    job_id = args[0] if args and getattr(task, "name", "") == "jobs.process_job" else None
    slot_id = (kwargs or {}).get("slot_id") if job_id is not None else None
    if task is not None:
        task.request.log_context_tokens = log_context_bind(job_id=job_id, slot_id=slot_id)


def _task_unbind(sender: Any = None, task: Any = None, **kwargs: Any) -> None:
    tokens = getattr(getattr(task, "request", None), "log_context_tokens", None)
    if tokens:
        try:
            log_context_unbind(tokens)
        except ValueError:  # bound in another context (cannot happen in prefork; be safe)
            pass
        task.request.log_context_tokens = None


def celery_signals_connect() -> None:
    """Called by ``photochanger.celery``: JSON logging in worker/beat, job/slot ids per task."""
    from celery import signals

    signals.setup_logging.connect(lambda **kwargs: logging_configure(), weak=False)
    signals.worker_init.connect(_worker_init, weak=False)


def _worker_init(**kwargs: Any) -> None:
    # Connected here, so after Celery's Django fixup (installed on worker_init, earlier): its
    # task_prerun closes the database connection, and the binding's one query must come after that.
    from celery import signals

    signals.task_prerun.connect(_task_bind, weak=False)
    signals.task_postrun.connect(_task_unbind, weak=False)
