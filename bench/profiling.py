"""Where the time of one booth request goes: wall-clock timers around each stage of the hot path,
installed (bench only) by wrapping the functions the web view and the worker task call.

Each web request and each task appends one JSON line to ``BENCH_TRACE_FILE``: the seconds spent
per stage, how many times each ran, and wall-clock marks (``time.time()``) that join the two
sides by job id (publish → task start: the queue; task end → web wake-up: the Redis wake-up of jobs.waiting).
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections import defaultdict
from typing import Any

from django.apps import AppConfig

_local = threading.local()
_write_lock = threading.Lock()
# The child's ``task_prerun`` time, picked up by the task's record (the signal fires just before).
_prerun = {"at": None}


def _record() -> dict[str, Any] | None:
    return getattr(_local, "record", None)


def _emit(record: dict[str, Any]) -> None:
    line = json.dumps(record) + "\n"
    with _write_lock, open(os.environ["BENCH_TRACE_FILE"], "a") as handle:
        handle.write(line)


def _timed(owner: Any, attribute: str, stage: str, *, mark: str | None = None) -> None:
    """Replace ``owner.attribute`` with a wrapper that adds its duration to the current record."""
    original = getattr(owner, attribute, None)
    if original is None:  # the code moved on: that stage is simply not reported
        return

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        record = _record()
        if record is None:
            return original(*args, **kwargs)
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            record["stages"][stage] += time.perf_counter() - started
            record["counts"][stage] += 1
            if mark:
                record["marks"][mark] = time.time()

    setattr(owner, attribute, wrapper)


def _root(owner: Any, attribute: str, role: str, job_of) -> None:
    """Wrap the entry point of a request (web) or a task (worker): it opens and emits the record."""
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        record = {
            "role": role,
            "job": job_of(args, kwargs),
            "stages": defaultdict(float),
            "counts": defaultdict(int),
            "marks": {"start": time.time()},
        }
        if role == "worker" and _prerun["at"] is not None:
            record["marks"]["prerun"], _prerun["at"] = _prerun["at"], None
        _local.record = record
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            record["stages"]["total"] = time.perf_counter() - started
            record["marks"]["end"] = time.time()
            _local.record = None
            _emit(record)

    setattr(owner, attribute, wrapper)


def _job_id_of_created(owner: Any, attribute: str) -> None:
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        job = original(*args, **kwargs)
        record = _record()
        if record is not None:
            record["job"] = str(job.id)
        return job

    setattr(owner, attribute, wrapper)


def _on_task_received(request=None, **kwargs) -> None:
    """In the worker's main process: when the message came off the broker."""
    if request is not None and request.name == "jobs.process_job" and request.args:
        _emit(
            {
                "role": "worker-main",
                "job": str(request.args[0]),
                "stages": {},
                "counts": {},
                "marks": {"received": time.time()},
            }
        )


def _on_task_prerun(task=None, **kwargs) -> None:
    if task is not None and task.name == "jobs.process_job":
        _prerun["at"] = time.time()


def install() -> None:
    from celery import signals
    from django.db.backends.postgresql import base as pg
    from django.http import request as http_request
    from PIL import Image

    import ingest.apis as apis
    import ingest.services as ingest_services
    import jobs.processing as processing
    import jobs.services as job_services
    import jobs.tasks as tasks
    import media.uploads as uploads
    from jobs.models import Job
    from providers import gemini, imaging

    # Either side.
    _timed(pg.DatabaseWrapper, "get_new_connection", "db_connect")
    _timed(imaging, "decode_sized", "image_decode")
    _timed(imaging, "encode", "image_encode")
    _timed(Image.Image, "resize", "image_resize")
    # Web: the booth request.
    _root(apis.IngestApi, "post", "web", lambda args, kwargs: None)
    _timed(http_request.HttpRequest, "_load_post_and_files", "multipart_parse")
    _timed(apis, "slot_get", "db_slot_get")
    _timed(apis, "slot_secret_matches", "auth")
    _timed(uploads, "image_check", "image_check")
    _timed(apis, "workers_alive", "redis_workers_alive")
    _timed(apis, "auth_failure_record", "redis_auth_failure")  # wrong passwords only
    _timed(apis, "upload_sha256", "upload_sha256")
    _timed(apis, "ingest_duplicate_find", "db_duplicate_find")
    _timed(apis, "slot_over_capacity", "db_slot_capacity")
    _timed(ingest_services, "media_input_store", "storage_write_input")
    _timed(ingest_services, "job_create", "db_job_create")
    _job_id_of_created(ingest_services, "job_create")
    _timed(ingest_services, "job_enqueue", "broker_publish", mark="published")
    _timed(ingest_services, "job_wait", "result_wait", mark="woken")
    _timed(ingest_services, "job_mark_failed_timeout", "db_mark_failed_timeout")
    _timed(ingest_services, "job_revoke", "broker_revoke")
    _timed(ingest_services, "job_input_release", "input_release")
    _timed(Job, "refresh_from_db", "db_job_refresh")
    _timed(ingest_services, "job_with_result", "db_job_with_result")
    _timed(apis, "_job_response", "response_open")
    # Worker: the task.
    signals.task_received.connect(_on_task_received, weak=False, dispatch_uid="bench-received")
    signals.task_prerun.connect(_on_task_prerun, weak=False, dispatch_uid="bench-prerun")
    _timed(job_services, "job_notify_final", "redis_notify_final", mark="notified")
    _root(tasks, "job_run", "worker", lambda args, kwargs: kwargs.get("job_id"))
    _timed(processing, "job_mark_processing", "db_mark_processing")
    _timed(processing, "_build_request", "read_input")
    _timed(gemini.GeminiProvider, "_call", "provider_http")
    _timed(gemini.GeminiProvider, "process", "provider_process")
    _timed(job_services, "storage_write", "storage_write_result")
    _timed(processing, "job_result_store", "result_store")
    _timed(processing, "job_input_release", "input_release")
    _timed(processing, "provider_call_observe", "db_provider_call_record")


class BenchProfilingConfig(AppConfig):
    name = "bench.profiling"
    label = "bench_profiling"

    def ready(self) -> None:
        install()
