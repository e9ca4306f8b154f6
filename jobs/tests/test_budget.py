"""The worker and a slot's budget: room is reserved before the paid call and given back after it;
a used-up budget ends the job as ``budget_exhausted`` without calling the provider."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jobs.models import JobStatus
from jobs.processing import job_run
from stats.models import BudgetReservation, ProviderCall
from tests.factories import QueuedJobFactory, SlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _testing_model_costs_one_per_call(settings):
    settings.PROVIDER_PRICES = {"testing": {"per_call": 1}}


def _job(slot, **kwargs):
    now = timezone.now()
    return QueuedJobFactory(slot=slot, created_at=now, deadline=now + timedelta(seconds=30), **kwargs)


def _paid_slot(**budget):
    return SlotFactory(provider="testing", operation="echo", params={}, **budget)


def test_a_job_within_the_budget_runs_and_its_reservation_becomes_recorded_spend(stored_files):
    slot = _paid_slot(budget_total=Decimal(1))
    job = _job(slot)

    assert job_run(job_id=str(job.id)) == JobStatus.COMPLETED

    [call] = ProviderCall.objects.filter(job_id=job.id)
    assert (call.estimated_cost, call.is_test) == (1, False)
    assert not BudgetReservation.objects.exists(), "released once the call was recorded"


def test_a_job_past_the_budget_ends_as_budget_exhausted_without_calling_the_provider(stored_files):
    slot = _paid_slot(budget_daily=Decimal(1))
    assert job_run(job_id=str(_job(slot).id)) == JobStatus.COMPLETED
    job = _job(slot)

    assert job_run(job_id=str(job.id)) == JobStatus.FAILED_PROVIDER

    job.refresh_from_db()
    assert (job.failure_code, job.attempts) == ("budget_exhausted", 0)
    assert "raise the slot's budget" in job.failure_message
    assert not ProviderCall.objects.filter(job_id=job.id).exists()
    assert stored_files() == [f"results/{ProviderCall.objects.get().job_id}.jpg"], "the input is removed"


def test_raising_the_budget_lets_the_next_job_run(stored_files):
    slot = _paid_slot(budget_daily=Decimal(0))
    assert job_run(job_id=str(_job(slot).id)) == JobStatus.FAILED_PROVIDER

    type(slot).objects.filter(id=slot.id).update(budget_daily=Decimal(5))

    assert job_run(job_id=str(_job(slot).id)) == JobStatus.COMPLETED


def test_a_test_run_on_a_used_up_budget_runs_and_is_counted_as_test_spend(stored_files):
    slot = _paid_slot(budget_total=Decimal(0))
    job = _job(slot, is_test_run=True)

    assert job_run(job_id=str(job.id)) == JobStatus.COMPLETED

    assert ProviderCall.objects.get(job_id=job.id).is_test


def test_a_free_provider_is_never_capped(stored_files):
    job = _job(SlotFactory(operation="grayscale", budget_total=Decimal(0)))

    assert job_run(job_id=str(job.id)) == JobStatus.COMPLETED
    assert not BudgetReservation.objects.exists()


def test_a_failed_paid_call_gives_its_reservation_back(stored_files):
    slot = SlotFactory(provider="testing", operation="fail", params={"failure": "transient"}, budget_total=Decimal(1))

    assert job_run(job_id=str(_job(slot).id)) == JobStatus.FAILED_PROVIDER
    assert not BudgetReservation.objects.exists()
    assert job_run(job_id=str(_job(slot).id)) == JobStatus.FAILED_PROVIDER
    assert ProviderCall.objects.count() == 2, "a failed call with no usage costs nothing: the room is still there"
