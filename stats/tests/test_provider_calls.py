"""Recording provider calls from the worker: every outcome, never failing the job."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from jobs.models import JobStatus
from jobs.processing import job_run
from providers.base import ImageData, ProviderQuota, ProviderRefused, ProviderResult
from stats import services
from stats.models import ProviderCall
from stats.services import provider_call_observe, provider_call_record
from tests.factories import JobFactory, QueuedJobFactory, SlotFactory

pytestmark = pytest.mark.django_db


def _job_with_input(slot):
    now = timezone.now()
    return QueuedJobFactory(slot=slot, created_at=now, deadline=now + timedelta(seconds=30))


def test_a_successful_call_is_recorded_with_its_usage_and_cost():
    job = JobFactory(slot=SlotFactory(name="Wedding", provider="gemini", operation="edit", params={"prompt": "x"}))
    result = ProviderResult(
        image=ImageData(b"", "image/jpeg"),
        model="gemini-2.5-flash-image",
        attempts=2,
        usage={"prompt_token_count": 1000, "candidates_token_count": 1290, "total_token_count": 2290},
    )

    call = provider_call_observe(job=job, answer=result, duration_s=3.25)

    call.refresh_from_db()
    assert (call.job_id, call.slot_id, call.slot_name) == (job.id, job.slot_id, "Wedding")
    assert (call.provider, call.model, call.outcome, call.attempts) == ("gemini", "gemini-2.5-flash-image", "ok", 2)
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (1000, 1290, 2290)
    assert call.duration_s == 3.25
    assert call.estimated_cost == Decimal("0.038700") + Decimal("0.000300")
    assert call.priced


def test_a_failed_call_is_recorded_with_its_error_code_and_no_cost():
    job = JobFactory(slot=SlotFactory(provider="gemini", operation="edit", params={"prompt": "x"}))

    quota = provider_call_observe(
        job=job, answer=ProviderQuota("429", attempts=3, model="gemini-2.5-flash-image"), duration_s=1
    )
    refused = provider_call_observe(job=job, answer=ProviderRefused("SAFETY", model="other-model"), duration_s=1)

    assert (quota.outcome, quota.attempts, quota.estimated_cost, quota.input_tokens) == ("provider_quota", 3, 0, None)
    assert refused.outcome == "provider_refused"
    assert refused.priced, "a failed call with no usage cost nothing we could price"


def test_an_interrupted_call_is_recorded_with_the_model_it_asked_for():
    job = JobFactory(slot=SlotFactory(provider="gemini", operation="edit", params={"prompt": "x", "model": "m-1"}))

    call = provider_call_observe(job=job, answer=None, duration_s=2)

    assert (call.outcome, call.model) == ("interrupted", "m-1")


def test_a_call_of_a_model_without_a_price_is_flagged_unpriced():
    job = JobFactory(slot=SlotFactory(provider="gemini", operation="edit", params={"prompt": "x"}))
    result = ProviderResult(image=ImageData(b"", "image/png"), model="brand-new", usage={"prompt_token_count": 5})

    call = provider_call_observe(job=job, answer=result, duration_s=1)

    assert (call.priced, call.estimated_cost) == (False, 0)


def test_the_worker_records_one_call_per_processed_job(stored_files):
    job = _job_with_input(SlotFactory(operation="grayscale"))

    assert job_run(job_id=str(job.id)) == JobStatus.COMPLETED

    [call] = ProviderCall.objects.filter(job_id=job.id)
    assert (call.provider, call.model, call.outcome, call.slot_id) == ("local", "pillow", "ok", job.slot_id)
    assert call.duration_s > 0


def test_the_worker_records_a_provider_failure(stored_files):
    job = _job_with_input(SlotFactory(provider="testing", operation="fail", params={"failure": "refused"}))

    assert job_run(job_id=str(job.id)) == JobStatus.FAILED_PROVIDER

    assert ProviderCall.objects.get(job_id=job.id).outcome == "provider_refused"


def test_a_broken_stats_store_never_fails_the_job(stored_files, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("stats database table is gone")

    monkeypatch.setattr(services, "provider_call_record", broken)
    job = _job_with_input(SlotFactory(operation="grayscale"))

    assert job_run(job_id=str(job.id)) == JobStatus.COMPLETED
    assert "could not record the provider call" in caplog.text


def test_a_time_limit_while_recording_is_not_swallowed(monkeypatch):
    def interrupted(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "provider_call_record", interrupted)
    job = JobFactory()
    with pytest.raises(SoftTimeLimitExceeded):
        provider_call_observe(job=job, answer=None, duration_s=1)


def test_a_deleted_slot_keeps_its_name_on_recorded_calls():
    slot = SlotFactory(name="Gone tomorrow")
    job = JobFactory(slot=slot)
    provider_call_record(job=job, outcome="ok", model="pillow", duration_s=0.1)
    slot_id = slot.id

    slot.delete()

    call = ProviderCall.objects.get(job_id=job.id)
    assert (call.slot_id, call.slot_name) == (slot_id, "Gone tomorrow")
