"""Recording provider calls (one row per job's provider call, with the estimated cost)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from providers.interrupts import is_task_interrupt
from slots.models import Slot
from stats.models import ProviderCall
from stats.prices import price_for
from stats.usage import usage_tokens

if TYPE_CHECKING:
    from providers.base import CallReport, ProviderError, ProviderResult


class CallingJob(Protocol):
    """The job a call was made for, as spend bookkeeping sees it (stats sits below jobs:
    docs/architecture.md)."""

    id: uuid.UUID
    slot_id: uuid.UUID | None
    provider: str
    params: Mapping[str, Any]
    is_test_run: bool

    @property
    def slot(self) -> Slot | None: ...


logger = logging.getLogger(__name__)

PG_INT_MAX = 2_147_483_647


def _bounded(value: int | None) -> int | None:
    return None if value is None else min(value, PG_INT_MAX)


def _slot_name(job: CallingJob) -> str:
    if job.slot_id is None:
        return ""
    try:
        slot = job.slot
    except ObjectDoesNotExist:  # deleted while the job ran
        return ""
    return slot.name if slot is not None else ""


def provider_call_record(
    *,
    job: CallingJob,
    outcome: str,
    model: str = "",
    attempts: int = 1,
    usage: Mapping[str, Any] | None = None,
    duration_s: float,
    at: datetime | None = None,
) -> ProviderCall:
    """Store one provider call of ``job`` with its token usage and estimated cost, and log it."""
    tokens = usage_tokens(usage)
    price = price_for(model)
    produced = outcome == ProviderCall.Outcome.OK
    cost = price.cost(input_tokens=tokens.input, output_tokens=tokens.output, produced=produced) if price else 0
    # Unpriced = it may have cost something and the table cannot say what (failed calls with no
    # usage reported are not billed by the providers we know).
    billable = produced or tokens.input is not None or tokens.output is not None
    call = ProviderCall.objects.create(
        created_at=at or timezone.now(),
        job_id=job.id,
        slot_id=job.slot_id,
        slot_name=_slot_name(job),
        provider=job.provider,
        model=model[:100],
        outcome=(outcome or "provider_error")[:50],
        attempts=max(0, attempts),
        duration_s=max(0.0, duration_s),
        input_tokens=_bounded(tokens.input),
        output_tokens=_bounded(tokens.output),
        total_tokens=_bounded(tokens.total),
        usage=dict(usage or {}),
        estimated_cost=cost,
        priced=price is not None or not billable,
        is_test=job.is_test_run,
    )
    logger.info(
        "provider call %s/%s: %s after %d attempt(s) in %.3f s",
        call.provider,
        call.model or "-",
        call.outcome,
        call.attempts,
        call.duration_s,
        extra={
            "job_id": str(job.id),
            "slot_id": str(job.slot_id) if job.slot_id else None,
            "provider": call.provider,
            "model": call.model,
            "outcome": call.outcome,
            "attempts": call.attempts,
            "duration_s": round(call.duration_s, 3),
            "input_tokens": call.input_tokens,
            "output_tokens": call.output_tokens,
            "estimated_cost": str(call.estimated_cost),
        },
    )
    return call


def provider_side_calls_record(*, job: CallingJob, calls: Iterable[CallReport]) -> None:
    """Record a job's other calls (a hedged call that lost or failed), one row each, with what
    they are estimated to cost. Never raises, like ``provider_call_observe``."""
    for call in calls:
        try:
            provider_call_record(
                job=job,
                outcome=call.outcome,
                model=call.model,
                attempts=call.attempts,
                usage=call.usage,
                duration_s=call.duration_s,
            )
        except Exception as exc:
            if is_task_interrupt(exc):
                raise
            logger.exception("could not record a side call of job %s", job.id, extra={"job_id": str(job.id)})


def provider_call_observe(
    *, job: CallingJob, answer: ProviderResult | ProviderError | None, duration_s: float
) -> ProviderCall | None:
    """Record what the worker got from the provider: a result, a typed error, or None (the call was
    interrupted because the job ended). Never raises: spend bookkeeping must not fail a job."""
    outcome: str
    try:
        if answer is None:
            # The provider gave no answer; the model it was asked for is the best we know.
            outcome, attempts, usage = ProviderCall.Outcome.INTERRUPTED, 1, None
            model = str((job.params or {}).get("model") or "")
        elif isinstance(answer, Exception):
            outcome, model, attempts, usage = answer.code, answer.model, answer.attempts, None
        else:
            outcome, model, attempts, usage = ProviderCall.Outcome.OK, answer.model, answer.attempts, answer.usage
        return provider_call_record(
            job=job, outcome=outcome, model=model, attempts=attempts, usage=usage, duration_s=duration_s
        )
    except Exception as exc:
        if is_task_interrupt(exc):  # recording spend must never swallow a time limit or a revoke
            raise
        logger.exception("could not record the provider call of job %s", job.id, extra={"job_id": str(job.id)})
        return None
