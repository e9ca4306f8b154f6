"""Prometheus metrics at ``GET /metrics`` (bearer ``METRICS_TOKEN``; empty token = endpoint off, 404).

Two kinds of figures, chosen for being right across many processes and machines:

- **Counted in the web process** (prometheus_client; multiprocess mode under gunicorn, so every
  gunicorn worker's counts are summed): ingest requests by status code and their duration. Each web
  instance reports its own; sum them across instances.
- **Computed from the database and Redis at scrape time**: jobs by final status and slot, in-flight
  jobs, end-to-end job latency, provider calls/errors/latency/tokens/cost by provider and model,
  queue depth. These are fleet-wide and exact whichever worker did the work, so every web instance
  reports the same values: aggregate them with ``max without (instance)``, not ``sum``.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from core.redis_clients import redis_connection

logger = logging.getLogger(__name__)

PREFIX = "photochanger"
# Booth requests last up to T_SYNC_RESPONSE (50 s by default); provider calls up to the same.
LATENCY_BUCKETS = (0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 40, 50, 60)

INGEST_REQUESTS = Counter(
    f"{PREFIX}_ingest_requests", "Booth ingest requests answered, by HTTP status code.", ["code"], registry=None
)
INGEST_DURATION = Histogram(
    f"{PREFIX}_ingest_request_duration_seconds",
    "Time from the booth's request to the answer, by HTTP status code.",
    ["code"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)


def multiprocess_enabled() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def _add_histogram(family: HistogramMetricFamily, labels: list[str], histogram, bounds) -> None:
    buckets = [(str(float(b)), count) for b, count in zip(bounds, histogram.buckets, strict=True)]
    buckets.append(("+Inf", histogram.count))
    family.add_metric(labels, buckets, histogram.total)


def queue_depth() -> dict[str, int]:
    """Messages waiting in the Celery queue (Redis lists; kombu keeps one list per priority step)."""
    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    with redis_connection(settings.CELERY_BROKER_URL, timeout=1.0) as client:
        keys = [queue] + [f"{queue}\x06\x16{priority}" for priority in (3, 6, 9)]
        pipe = client.pipeline()
        for key in keys:
            pipe.llen(key)
        return {queue: sum(pipe.execute())}


BREAKER_STATES = ("closed", "open", "half_open")


def _breakers() -> Iterator:
    """The circuit breaker per provider and model (jobs/breaker.py), from Redis."""
    from jobs.breaker import breaker_states

    states = breaker_states()
    state = GaugeMetricFamily(
        f"{PREFIX}_provider_breaker_state",
        "1 for the state the model's circuit breaker is in (closed, open, half_open).",
        labels=["provider", "model", "state"],
    )
    opened = CounterMetricFamily(
        f"{PREFIX}_provider_breaker_opened", "Times the model's circuit breaker opened.", labels=["provider", "model"]
    )
    closed = CounterMetricFamily(
        f"{PREFIX}_provider_breaker_closed", "Times the model's circuit breaker closed.", labels=["provider", "model"]
    )
    for entry in states:
        for name in BREAKER_STATES:
            state.add_metric([entry.provider, entry.model, name], 1 if entry.state == name else 0)
        opened.add_metric([entry.provider, entry.model], entry.opened_total)
        closed.add_metric([entry.provider, entry.model], entry.closed_total)
    yield from (state, opened, closed)


class FleetCollector(Collector):
    """The database- and Redis-derived metrics, computed on every scrape."""

    def collect(self) -> Iterator:
        up = GaugeMetricFamily(
            f"{PREFIX}_metrics_source_up", "1 if the source answered this scrape.", labels=["source"]
        )
        try:
            yield from self._database()
            up.add_metric(["database"], 1)
        except Exception:
            logger.exception("metrics: database figures unavailable")
            up.add_metric(["database"], 0)
        try:
            yield from _breakers()
            up.add_metric(["breaker"], 1)
        except Exception:
            logger.exception("metrics: circuit breaker state unavailable")
            up.add_metric(["breaker"], 0)
        try:
            depth = queue_depth()
            family = GaugeMetricFamily(f"{PREFIX}_queue_depth", "Tasks waiting in the broker queue.", labels=["queue"])
            for queue, count in depth.items():
                family.add_metric([queue], count)
            yield family
            up.add_metric(["redis"], 1)
        except Exception:
            logger.exception("metrics: queue depth unavailable")
            up.add_metric(["redis"], 0)
        yield up

    def _database(self) -> Iterator:
        from photochanger import metric_figures as figures

        # Query everything first: a failure yields nothing rather than half a scrape.
        final = figures.jobs_final_by_status_and_slot()
        recovered = figures.jobs_recovered_by_slot()
        active = figures.jobs_active_by_status()
        fallbacks = figures.booth_fallbacks_by_reason_and_slot()
        hung_up = figures.booth_disconnected_by_slot()
        job_latency = figures.job_duration_histograms(LATENCY_BUCKETS)
        calls = figures.provider_call_totals()
        call_latency = figures.provider_duration_histograms(LATENCY_BUCKETS)
        slot_cost = figures.spend_by_slot_total()
        slots = figures.slot_labels()

        jobs = CounterMetricFamily(f"{PREFIX}_jobs", "Jobs that reached a final status.", labels=["status", "slot"])
        for status, slot, count in final:
            jobs.add_metric([status, slot], count)
        fallback_prints = CounterMetricFamily(
            f"{PREFIX}_booth_fallbacks",
            "Booth answers that were the slot's fallback print, by reason (counted apart from job statuses).",
            labels=["reason", "slot"],
        )
        for reason, slot, count in fallbacks:
            fallback_prints.add_metric([reason, slot], count)
        disconnected = CounterMetricFamily(
            f"{PREFIX}_booth_disconnected", "Jobs whose booth hung up before its answer.", labels=["slot"]
        )
        for slot, count in hung_up:
            disconnected.add_metric([slot], count)
        recoveries = CounterMetricFamily(
            f"{PREFIX}_jobs_recovered",
            "Completed jobs whose image came from a recovery, by how (refusal_prompt).",
            labels=["how", "slot"],
        )
        for how, slot, count in recovered:
            recoveries.add_metric([how, slot], count)
        in_flight = GaugeMetricFamily(f"{PREFIX}_jobs_in_flight", "Jobs pending or processing.", labels=["status"])
        for status, count in active.items():
            in_flight.add_metric([status], count)
        e2e = HistogramMetricFamily(
            f"{PREFIX}_job_duration_seconds", "Received to final status, by final status.", labels=["status"]
        )
        for status, histogram in job_latency.items():
            _add_histogram(e2e, [status], histogram, LATENCY_BUCKETS)

        labels = ["provider", "model"]
        provider_calls = CounterMetricFamily(
            f"{PREFIX}_provider_calls", "Provider calls (one per job, retries included).", labels=[*labels, "outcome"]
        )
        provider_errors = CounterMetricFamily(
            f"{PREFIX}_provider_errors", "Provider calls that failed, by error code.", labels=[*labels, "code"]
        )
        tokens = CounterMetricFamily(
            f"{PREFIX}_provider_tokens", "Tokens reported by the provider.", labels=[*labels, "direction"]
        )
        cost = CounterMetricFamily(
            f"{PREFIX}_provider_estimated_cost",
            f"Estimated provider spend in {settings.PROVIDER_PRICES_CURRENCY} (price table).",
            labels=labels,
        )
        # Rows are per outcome; tokens and cost are per (provider, model): one series each.
        per_model: dict[tuple[str, str], list[float]] = {}
        for row in calls:
            provider_calls.add_metric([row.provider, row.model, row.outcome], row.calls)
            if row.outcome != "ok":
                provider_errors.add_metric([row.provider, row.model, row.outcome], row.calls)
            sums = per_model.setdefault((row.provider, row.model), [0, 0, 0.0])
            sums[0] += row.input_tokens
            sums[1] += row.output_tokens
            sums[2] += float(row.estimated_cost)
        for (provider, model), (input_tokens, output_tokens, total) in per_model.items():
            tokens.add_metric([provider, model, "input"], input_tokens)
            tokens.add_metric([provider, model, "output"], output_tokens)
            cost.add_metric([provider, model], total)
        call_duration = HistogramMetricFamily(
            f"{PREFIX}_provider_call_duration_seconds", "Provider call time, all attempts.", labels=labels
        )
        for (provider, model), histogram in call_latency.items():
            _add_histogram(call_duration, [provider, model], histogram, LATENCY_BUCKETS)
        slot_spend = CounterMetricFamily(
            f"{PREFIX}_slot_estimated_cost", "Estimated provider spend per slot.", labels=["slot"]
        )
        for slot, spent in slot_cost:
            slot_spend.add_metric([slot], float(spent))
        info = GaugeMetricFamily(
            f"{PREFIX}_slot_info",
            "1 per slot; join on `slot` for names.",
            labels=["slot", "name", "provider", "operation", "active"],
        )
        for slot_id, name, provider, operation, is_active in slots:
            info.add_metric([slot_id, name, provider, operation, str(is_active).lower()], 1)
        yield from (jobs, recoveries, fallback_prints, disconnected, in_flight, e2e)
        yield from (provider_calls, provider_errors, tokens, cost, call_duration, slot_spend)
        yield info


def registry() -> CollectorRegistry:
    scrape = CollectorRegistry(auto_describe=False)
    if multiprocess_enabled():
        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape.register(INGEST_REQUESTS)
        scrape.register(INGEST_DURATION)
    scrape.register(FleetCollector())
    return scrape


def metrics_response(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return JsonResponse({"error": {"code": "not_found", "message": "Nothing is here."}}, status=404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return JsonResponse(
            {"error": {"code": "not_authenticated", "message": "Send Authorization: Bearer <METRICS_TOKEN>."}},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Serves ``/metrics`` (before host validation: Prometheus scrapes by address) and counts booth
    ingest requests by the status code they were answered with."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/metrics":
            return metrics_response(request)
        if not request.path.startswith("/ingest/"):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        code = str(response.status_code)
        INGEST_REQUESTS.labels(code).inc()
        INGEST_DURATION.labels(code).observe(time.monotonic() - started)
        return response
