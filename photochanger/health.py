"""``/healthz`` (the process is up) and ``/readyz`` (it can serve booths: database, Redis broker,
storage writable, at least one worker alive).

Both are answered by a middleware placed first, before host validation, sessions and auth: load
balancers and container health checks call them by IP address or ``localhost``, which
``ALLOWED_HOSTS`` rightly refuses for everything else. They reveal component names and short
error texts (credentials scrubbed), never configuration values.

Every check has a hard time budget and the independent ones run in parallel, so a dependency that
hangs cannot hang the probe: ``/readyz`` answers within about ``2 x CHECK_TIMEOUT``.

``/readyz`` is unauthenticated, so anyone can call it as often as they like: a process runs at most
one round of checks at a time and every probe shares its result for ``RESULT_MAX_AGE`` seconds. A
flood of probes then costs one database connection, one storage write and a few Redis commands per
period, and cannot crowd out the load balancer's own probe.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.logging import redact
from core.provider_registry import provider_setup_problems
from core.redis_clients import redis_connection
from jobs.liveness import TTL_SECONDS as LIVENESS_TTL_SECONDS
from jobs.liveness import workers_alive

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 1.0  # seconds, per check
# Probes within this many seconds of a finished round of checks get that round's result.
RESULT_MAX_AGE = 1.5
PROBE_PREFIX = "health/"
# Threads for one round of checks. A check stuck past its budget keeps its thread; the next round
# waits on that same run instead of starting another (``_in_flight``), so stuck checks never pile up.
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
    if exc.__cause__ is not None:  # e.g. the network error behind a StorageUnavailable
        text += f" ({type(exc.__cause__).__name__}: {exc.__cause__})"
    return redact(" ".join(text.split()))[:300]


def check_database(alias: str = "default") -> dict[str, Any]:
    """A fresh connection (own 1 s connect timeout) running ``SELECT 1`` under a statement timeout.

    Not from the web process's pool (DATABASE_POOL): the probe must find out whether a new
    connection can be made, and must never take a connection a booth request is waiting for.
    """
    wrapper = connections[alias]
    params = wrapper.get_connection_params()  # the pool options are left out of these
    params["connect_timeout"] = max(1, int(CHECK_TIMEOUT))
    # Every backend's DatabaseWrapper sets ``Database`` (its DB-API module); the base stub lacks it.
    raw = wrapper.Database.connect(**params)  # type: ignore[attr-defined]
    try:
        with raw.cursor() as cursor:
            # LOCAL: the connection is in a transaction (psycopg's default), and behind a transaction
            # pooler a session-wide SET would stay on a server connection other clients then get.
            cursor.execute("SET LOCAL statement_timeout = %s", [int(CHECK_TIMEOUT * 1000)])
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        raw.close()
    return {}


def check_broker() -> dict[str, Any]:
    with redis_connection(settings.CELERY_BROKER_URL, timeout=CHECK_TIMEOUT) as client:
        client.ping()
    return {}


def check_storage() -> dict[str, Any]:
    """Write and delete a small probe file (local disk or S3, whichever is configured)."""
    key = f"{PROBE_PREFIX}probe-{uuid.uuid4().hex}.txt"
    saved = default_storage.save(key, ContentFile(b"ok"))
    default_storage.delete(saved)
    return {}


def check_workers() -> dict[str, Any]:
    """The workers' liveness key (one Redis read, as a booth request does): a broadcast ping per
    probe would make every worker answer every probe, and wait its full timeout each time."""
    if not workers_alive():
        raise RuntimeError(f"no worker signalled it is alive in the last {LIVENESS_TTL_SECONDS} s")
    return {}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


def _run(name: str, check: Callable[[], dict[str, Any]]) -> Check:
    started = time.monotonic()
    try:
        details = check()
    except Exception as exc:  # noqa: BLE001 - any failure is this component's failure, reported
        return Check(ok=False, error=_error_text(exc), duration_ms=(time.monotonic() - started) * 1000)
    return Check(ok=True, details=details, duration_ms=(time.monotonic() - started) * 1000)


_in_flight: dict[str, Future[Check]] = {}


def _submit(name: str, check: Callable[[], dict[str, Any]]) -> Future[Check]:
    """A new run of the check, or its previous run while that one is still going (it hangs)."""
    running = _in_flight.get(name)
    if running is None or running.done():
        running = _in_flight[name] = _pool.submit(_run, name, check)
    return running


def _gather(checks: dict[str, Callable[[], dict[str, Any]]], budget: float) -> dict[str, Check]:
    futures = {name: _submit(name, check) for name, check in checks.items()}
    deadline = time.monotonic() + budget
    results = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            results[name] = Check(ok=False, error=f"no answer within {budget:g} s", duration_ms=budget * 1000)
    return results


def check_providers() -> Check:
    """Providers that cannot work as configured (Gemini without a key): a warning with the fix, not
    a failure, since slots on the other providers still serve booths. No network call."""
    problems = provider_setup_problems()
    if not problems:
        return Check(ok=True)
    return Check(ok=True, details={"warnings": [f"{name}: {problem}" for name, problem in problems.items()]})


def _check_round() -> dict[str, Check]:
    """Run every check; the workers' one only when the broker answered (it would only hang)."""
    results = _gather(CHECKS, CHECK_TIMEOUT + 1.0)
    results["providers"] = check_providers()
    if results["broker"].ok:
        results.update(_gather({"workers": check_workers}, CHECK_TIMEOUT + 1.0))
    else:
        results["workers"] = Check(ok=False, error="not checked: the broker is unreachable")
    return results


class _SharedResult:
    """The last round's result for every caller, and at most one round running at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[str, Check] | None = None
        self._finished_at = 0.0
        self._round: threading.Event | None = None

    def get(self) -> dict[str, Check]:
        with self._lock:
            if self._results is not None and time.monotonic() - self._finished_at < RESULT_MAX_AGE:
                return self._results
            round_done = self._round
            leading = round_done is None
            if round_done is None:
                round_done = self._round = threading.Event()
        if not leading:
            # A round is bounded by its checks' budgets; the margin only guards against a bug.
            round_done.wait(2 * (CHECK_TIMEOUT + 1.0) + 1.0)
            with self._lock:
                return self._results or {"readiness": Check(ok=False, error="the running check did not finish")}
        results: dict[str, Check] = {}
        try:
            results = _check_round()
        finally:
            with self._lock:
                self._results, self._finished_at, self._round = results or None, time.monotonic(), None
            round_done.set()
        return results

    def forget(self) -> None:
        with self._lock:
            self._results = None
            _in_flight.clear()


_shared = _SharedResult()


def readiness() -> tuple[bool, dict[str, Check]]:
    """Every dependency's check, from the round this process ran last (or is running now)."""
    results = _shared.get()
    return all(check.ok for check in results.values()), results


def readiness_forget() -> None:
    """Drop the shared result and any check still running, so the next probe checks afresh (tests
    take dependencies down and up between probes)."""
    _shared.forget()


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
