"""Reads behind the admin site's slot list and dashboard: booth activity per slot.

Statistics count booth jobs only: an operator's test runs (``Job.is_test_run``) go through the same
pipeline but say nothing about the event, so they are left out everywhere here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from jobs.models import Job, JobStatus
from slots.models import Slot

STATS_WINDOW = timedelta(hours=24)
GALLERY_SIZE = 6


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``; works on intervals."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=float(fraction), **extra)


def booth_jobs() -> QuerySet[Job]:
    return Job.objects.filter(is_test_run=False)


def stats_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - STATS_WINDOW


def slot_activity_annotate(slots: QuerySet[Slot], *, since: datetime) -> QuerySet[Slot]:
    """Adds ``last_job_at``, ``last_job_status`` and ``jobs_recent`` (booth jobs since ``since``).

    Subqueries rather than joins, so each slot costs two index lookups on (slot, -created_at)
    whatever else the list is annotated or filtered with.
    """
    newest = booth_jobs().filter(slot=OuterRef("pk")).order_by("-created_at")
    recent = (
        booth_jobs()
        .filter(slot=OuterRef("pk"), created_at__gte=since)
        .order_by()
        .values("slot")
        .annotate(n=Count("id"))
        .values("n")
    )
    return slots.annotate(
        last_job_at=Subquery(newest.values("created_at")[:1]),
        last_job_status=Subquery(newest.values("status")[:1]),
        jobs_recent=Coalesce(Subquery(recent, output_field=IntegerField()), Value(0)),
    )


@dataclass
class SlotStats:
    slot_id: uuid.UUID
    name: str
    is_active: bool
    counts: dict[str, int]
    total: int
    p50: timedelta | None
    p95: timedelta | None
    last_job_at: datetime | None
    recent_results: list[Job] = field(default_factory=list)
    # Booth answers beside the jobs' own outcomes: the slot's fallback printed instead of the job's
    # answer (whatever the job's status became), and answers the booth had hung up before.
    fallbacks: int = 0
    booth_disconnected: int = 0
    # Completed jobs whose image came from a recovery (Job.recovered_by), e.g. the refusal prompt.
    recovered: int = 0

    @property
    def failed(self) -> int:
        return self.counts[JobStatus.FAILED_TIMEOUT] + self.counts[JobStatus.FAILED_PROVIDER]


def _count_name(status: str) -> str:
    return f"n_{status}"


def slot_stats_list(
    *, since: datetime, slot_id: uuid.UUID | None = None, gallery_size: int = GALLERY_SIZE
) -> list[SlotStats]:
    """Per slot: booth jobs since ``since`` by status, p50/p95 end-to-end time of the completed ones
    (``finished_at - created_at``) and the newest live results.

    Without ``slot_id``: every active slot, plus inactive ones that had jobs in the window.
    """
    in_window = Q(jobs__created_at__gte=since, jobs__is_test_run=False)
    completed = in_window & Q(jobs__status=JobStatus.COMPLETED)
    duration = F("jobs__finished_at") - F("jobs__created_at")
    slots = Slot.objects.order_by("name", "id")
    if slot_id is not None:
        slots = slots.filter(id=slot_id)
    rows = slots.annotate(
        total=Count("jobs", filter=in_window),
        p50=PercentileCont(duration, 0.5, filter=completed, output_field=DurationField()),
        p95=PercentileCont(duration, 0.95, filter=completed, output_field=DurationField()),
        last_job_at=Max("jobs__created_at", filter=Q(jobs__is_test_run=False)),
        fallbacks=Count("jobs", filter=in_window & Q(jobs__fallback_at__isnull=False)),
        booth_disconnected=Count("jobs", filter=in_window & Q(jobs__booth_disconnected_at__isnull=False)),
        recovered=Count("jobs", filter=completed & ~Q(jobs__recovered_by="")),
        **{_count_name(s): Count("jobs", filter=in_window & Q(jobs__status=s)) for s in JobStatus.values},
    )
    if slot_id is None:
        rows = rows.filter(Q(is_active=True) | Q(total__gt=0))
    stats = [
        SlotStats(
            slot_id=row.id,
            name=row.name,
            is_active=row.is_active,
            counts={s: getattr(row, _count_name(s)) for s in JobStatus.values},
            total=row.total,
            p50=row.p50,
            p95=row.p95,
            last_job_at=row.last_job_at,
            fallbacks=row.fallbacks,
            booth_disconnected=row.booth_disconnected,
            recovered=row.recovered,
        )
        for row in rows
    ]
    if gallery_size > 0 and stats:
        by_slot = recent_results_by_slot(slot_ids=[s.slot_id for s in stats], per_slot=gallery_size)
        for entry in stats:
            entry.recent_results = by_slot.get(entry.slot_id, [])
    return stats


def recent_results_by_slot(*, slot_ids: list[uuid.UUID], per_slot: int) -> dict[uuid.UUID, list[Job]]:
    """The newest completed booth jobs whose result is still live, at most ``per_slot`` per slot (one query)."""
    now = timezone.now()
    ranked = (
        booth_jobs()
        .filter(
            slot_id__in=slot_ids,
            status=JobStatus.COMPLETED,
            result__expires_at__gt=now,
            result__expired_at__isnull=True,
        )
        .select_related("result")
        .annotate(rank=Window(RowNumber(), partition_by=[F("slot_id")], order_by=F("finished_at").desc()))
        .filter(rank__lte=per_slot)
        .order_by("slot_id", "rank")
    )
    out: dict[uuid.UUID, list[Job]] = {}
    for job in ranked:
        if job.slot_id is not None:  # always: filtered on slot_id__in
            out.setdefault(job.slot_id, []).append(job)
    return out
