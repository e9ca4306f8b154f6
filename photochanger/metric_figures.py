"""Fleet-wide figures for the Prometheus endpoint, computed from the database at scrape time.

Counting rows is exact whichever web or worker process, on whichever machine, did the work, and
survives restarts; Prometheus treats these as counters (they only grow while rows are kept).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce

from jobs.models import ACTIVE_STATUSES, FINAL_STATUSES, Job
from slots.models import Slot
from stats.models import ProviderCall


@dataclass(frozen=True)
class Histogram:
    """Cumulative bucket counts (one per upper bound, ``+Inf`` excluded), count and sum."""

    buckets: tuple[int, ...]
    count: int
    total: float


def _histogram(values: Mapping[str, Any], bounds: Sequence[float]) -> Histogram:
    return Histogram(
        buckets=tuple(values[f"le_{i}"] for i in range(len(bounds))),
        count=values["n"],
        total=float(values["total"] or 0),
    )


def jobs_recovered_by_slot() -> list[tuple[str, str, int]]:
    """(how, slot id or "", count) for every completed job whose image came from a recovery."""
    rows = (
        Job.objects.exclude(recovered_by="")
        .values("recovered_by", "slot_id")
        .annotate(n=Count("id"))
        .order_by("recovered_by", "slot_id")
    )
    return [(row["recovered_by"], str(row["slot_id"] or ""), row["n"]) for row in rows]


def jobs_final_by_status_and_slot() -> list[tuple[str, str, int]]:
    """(status, slot id or "", count) for every final job."""
    rows = (
        Job.objects.filter(status__in=FINAL_STATUSES)
        .values("status", "slot_id")
        .annotate(n=Count("id"))
        .order_by("status", "slot_id")
    )
    return [(row["status"], str(row["slot_id"] or ""), row["n"]) for row in rows]


def booth_fallbacks_by_reason_and_slot() -> list[tuple[str, str, int]]:
    """(reason, slot id or "", count) of jobs whose booth got the slot's fallback print."""
    rows = (
        Job.objects.filter(fallback_at__isnull=False)
        .values("fallback_reason", "slot_id")
        .annotate(n=Count("id"))
        .order_by("fallback_reason", "slot_id")
    )
    return [(row["fallback_reason"], str(row["slot_id"] or ""), row["n"]) for row in rows]


def booth_disconnected_by_slot() -> list[tuple[str, int]]:
    """(slot id or "", count) of jobs whose booth had hung up before its answer."""
    rows = (
        Job.objects.filter(booth_disconnected_at__isnull=False)
        .values("slot_id")
        .annotate(n=Count("id"))
        .order_by("slot_id")
    )
    return [(str(row["slot_id"] or ""), row["n"]) for row in rows]


def jobs_active_by_status() -> dict[str, int]:
    counts = dict(Job.objects.filter(status__in=ACTIVE_STATUSES).values_list("status").annotate(n=Count("id")))
    return {str(status): counts.get(status, 0) for status in ACTIVE_STATUSES}


def job_duration_histograms(bounds: Sequence[float]) -> dict[str, Histogram]:
    """End-to-end time (received → final) of final jobs, by final status, in seconds."""
    took = ExpressionWrapper(F("finished_at") - F("created_at"), output_field=DurationField())
    buckets = {f"le_{i}": Count("id", filter=Q(took__lte=timedelta(seconds=b))) for i, b in enumerate(bounds)}
    rows = (
        Job.objects.filter(status__in=FINAL_STATUSES, finished_at__isnull=False)
        .annotate(took=took)
        .values("status")
        .annotate(n=Count("id"), total=Sum("took"), **buckets)
        .order_by("status")
    )
    result = {}
    for row in rows:
        total = row["total"]
        row["total"] = total.total_seconds() if total is not None else 0.0
        result[row["status"]] = _histogram(row, bounds)
    return result


@dataclass(frozen=True)
class ProviderCallTotals:
    provider: str
    model: str
    outcome: str
    calls: int
    input_tokens: int
    output_tokens: int
    estimated_cost: Decimal


def provider_call_totals() -> list[ProviderCallTotals]:
    rows = (
        ProviderCall.objects.values("provider", "model", "outcome")
        .annotate(
            n=Count("id"),
            sum_input=Coalesce(Sum("input_tokens"), 0),
            sum_output=Coalesce(Sum("output_tokens"), 0),
            sum_cost=Coalesce(Sum("estimated_cost"), Decimal(0)),
        )
        .order_by("provider", "model", "outcome")
    )
    return [
        ProviderCallTotals(
            provider=row["provider"],
            model=row["model"],
            outcome=row["outcome"],
            calls=row["n"],
            input_tokens=row["sum_input"],
            output_tokens=row["sum_output"],
            estimated_cost=row["sum_cost"],
        )
        for row in rows
    ]


def provider_duration_histograms(bounds: Sequence[float]) -> dict[tuple[str, str], Histogram]:
    """Provider call time (all attempts of one job's call), by (provider, model), in seconds."""
    buckets = {f"le_{i}": Count("id", filter=Q(duration_s__lte=b)) for i, b in enumerate(bounds)}
    rows = (
        ProviderCall.objects.values("provider", "model")
        .annotate(n=Count("id"), total=Sum("duration_s"), **buckets)
        .order_by("provider", "model")
    )
    return {(row["provider"], row["model"]): _histogram(row, bounds) for row in rows}


def spend_by_slot_total() -> list[tuple[str, Decimal]]:
    """(slot id or "", estimated cost) over all recorded calls."""
    rows = ProviderCall.objects.values("slot_id").annotate(cost=Sum("estimated_cost")).order_by("slot_id")
    return [(str(row["slot_id"] or ""), row["cost"] or Decimal(0)) for row in rows]


def slot_labels() -> list[tuple[str, str, str, str, bool]]:
    """(id, name, provider, operation, active) of every slot, to join ids to names in dashboards."""
    rows = Slot.objects.order_by("id").values_list("id", "name", "provider", "operation", "is_active")
    return [(str(slot_id), name, provider, operation, active) for slot_id, name, provider, operation, active in rows]
