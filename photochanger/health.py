"""``/healthz`` (the process is up) and ``/readyz`` (it can serve booths: database, Redis broker,
result backend, storage writable, at least one worker answering).

Both are answered by a middleware placed first, before host validation, sessions and auth: load
balancers and container health checks call them by IP address or ``localhost``, which
``ALLOWED_HOSTS`` rightly refuses for everything else. They reveal component names and short
error texts (credentials scrubbed), never configuration values.

Every check has a hard time budget and the independent ones run in parallel, so a dependency that
hangs cannot hang the probe: ``/readyz`` answers within about ``2 x CHECK_TIMEOUT``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import redis
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from photochanger.logging import redact

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 1.0  # seconds, per check (the issue: a worker must answer a ping within 1 s)
PROBE_PREFIX = "health/"
# A few threads shared by all probes; a check stuck past its budget keeps one busy, not the request.
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


@dataclass
class Check:
    ok: bool
    error: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    duration_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok, "duration_ms": round(self.duration_ms, 1)}
        if self.error:
            body["error"] = self.error
        body.update(self.details)
        return body


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return redact(" ".join(text.split()))[:300]


def check_database(alias: str = "default") -> dict[str, Any]:
    """A fresh connection (own 1 s connect timeout) running ``SELECT 1`` under a statement timeout.

    Not from the web process's pool (DATABASE_POOL): the probe must find out whether a new
    connection can be made, and must never take a connection a booth request is waiting for.
    """
    wrapper = connections[alias]
    params = wrapper.get_connection_params()  # the pool options are left out of these
    params["connect_timeout"] = max(1, int(CHECK_TIMEOUT))
    raw = wrapper.Database.connect(**params)
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [int(CHECK_TIMEOUT * 1000)])
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        raw.close()
    return {}


def _redis_ping(url: str) -> None:
    client = redis.Redis.from_url(url, socket_timeout=CHECK_TIMEOUT, socket_connect_timeout=CHECK_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()


def check_broker() -> dict[str, Any]:
    _redis_ping(settings.CELERY_BROKER_URL)
    return {}


def check_result_backend() -> dict[str, Any]:
    url = settings.CELERY_RESULT_BACKEND
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise RuntimeError("only a Redis result backend can be checked")
    _redis_ping(url)
    return {}


def check_storage() -> dict[str, Any]:
    """Write and delete a small probe file (local disk or S3, whichever is configured)."""
    key = f"{PROBE_PREFIX}probe-{uuid.uuid4().hex}.txt"
    saved = default_storage.save(key, ContentFile(b"ok"))
    default_storage.delete(saved)
    return {}


def check_workers() -> dict[str, Any]:
    """A Celery broadcast ping on the configured broker; at least one worker must answer in 1 s."""
    from photochanger.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
        connection.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)
        replies = app.control.ping(timeout=CHECK_TIMEOUT, connection=connection) or []
    names = sorted(name for reply in replies for name in reply)
    if not names:
        raise RuntimeError(f"no worker answered a ping within {CHECK_TIMEOUT:g} s")
    return {"workers": len(names)}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "broker": check_broker,
    "result_backend": check_result_backend,
    "storage": check_storage,
}


def _run(name: str, check: Callable[[], dict[str, Any]]) -> Check:
    started = time.monotonic()
    try:
        details = check()
    except Exception as exc:  # noqa: BLE001 - any failure is this component's failure, reported
        return Check(ok=False, error=_error_text(exc), duration_ms=(time.monotonic() - started) * 1000)
    return Check(ok=True, details=details, duration_ms=(time.monotonic() - started) * 1000)


def _gather(checks: dict[str, Callable[[], dict[str, Any]]], budget: float) -> dict[str, Check]:
    futures = {name: _pool.submit(_run, name, check) for name, check in checks.items()}
    deadline = time.monotonic() + budget
    results = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            results[name] = Check(ok=False, error=f"no answer within {budget:g} s", duration_ms=budget * 1000)
    return results


def readiness() -> tuple[bool, dict[str, Check]]:
    """Run every check; the worker ping only when the broker answered (it would only hang)."""
    results = _gather(CHECKS, CHECK_TIMEOUT + 1.0)
    if results["broker"].ok:
        results.update(_gather({"workers": check_workers}, CHECK_TIMEOUT + 1.0))
    else:
        results["workers"] = Check(ok=False, error="not checked: the broker is unreachable")
    return all(check.ok for check in results.values()), results


def healthz_response() -> HttpResponse:
    return JsonResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


def readyz_response() -> HttpResponse:
    ready, results = readiness()
    failed = [name for name, check in results.items() if not check.ok]
    if failed:
        logger.warning("not ready: %s", ", ".join(failed), extra={"failed": ",".join(failed)})
    body = {"status": "ok" if ready else "fail", "checks": {name: check.as_dict() for name, check in results.items()}}
    return JsonResponse(body, status=200 if ready else 503, headers={"Cache-Control": "no-store"})


ROUTES: dict[str, Callable[[], HttpResponse]] = {
    "/healthz": healthz_response,
    "/readyz": readyz_response,
}


class HealthMiddleware:
    """Answers ``GET``/``HEAD`` ``/healthz`` and ``/readyz`` before anything else runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        route = ROUTES.get(request.path.rstrip("/") or "/")
        if route is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return JsonResponse(
                {"error": {"code": "method_not_allowed", "message": "Use GET."}}, status=405, headers={"Allow": "GET"}
            )
        return route()
