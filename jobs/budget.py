"""The worker's side of a slot's budget (stats/budget.py): room for a job's paid calls is reserved
before the provider is called, and given back once the calls are recorded.

Not capped: the admin's test runs and slot checks (``is_test_run``; their spend is shown as test
spend, and an operator checking a slot must see it work), free providers (the local Pillow one)
and slots without a cap.
"""

from __future__ import annotations

from datetime import timedelta

from core.provider_registry import provider_registry
from jobs.models import Job
from stats.budget import budget_release, budget_reserve, call_estimate

# A reservation outlives its job's deadline by this much before it stops counting (a worker that
# died before releasing it): long enough for the calls to be recorded after the deadline.
RESERVATION_GRACE = timedelta(seconds=60)
BUDGET_EXHAUSTED = "budget_exhausted"
BUDGET_EXHAUSTED_MESSAGE = (
    "The slot's budget is used up, so the provider was not called; raise the slot's budget to go on."
)


def job_calls_reserve(*, job: Job) -> int | None:
    """How many paid calls the job may start: None (no cap applies), 0 (the budget is used up) or
    the number reserved (a hedged job gets 2, or 1 when only one more call fits)."""
    slot = job.slot  # read with the job at its claim: a cap set from now on holds from the next job
    if job.is_test_run or slot is None or (slot.budget_daily is None and slot.budget_total is None):
        return None  # no lock and no query: 60 workers on one uncapped slot must not take turns
    paid = provider_registry().provider(job.provider).paid_calls(job.operation, job.params)
    if paid is None:
        return None
    return budget_reserve(
        slot_id=slot.id,
        job_id=job.id,
        price=call_estimate(models=paid.models),
        calls=paid.at_most,
        expires_at=job.deadline + RESERVATION_GRACE,
    )


def job_calls_settle(*, job: Job) -> None:
    """Give the reservation back once the job's calls are recorded (they are its spend now)."""
    if job.slot_id is not None:
        budget_release(job_id=job.id, slot_id=job.slot_id)
