"""A check's outcome in an operator's words, from the job's final state (no database needed)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from ingest.check_outcome import check_outcome, not_started
from jobs.models import Job, JobStatus


def job(status: str, code: str = "", message: str = "", **fields) -> Job:
    return Job(status=status, failure_code=code, failure_message=message, provider="gemini", params={}, **fields)


def test_a_completed_job_is_ok():
    outcome = check_outcome(job(JobStatus.COMPLETED))

    assert (outcome.ok, outcome.code, outcome.fix) == (True, "ok", "")


@override_settings(T_SYNC_RESPONSE=50)
def test_a_timed_out_job_was_too_slow_for_the_deadline():
    outcome = check_outcome(job(JobStatus.FAILED_TIMEOUT, "deadline_exceeded", "No result before the deadline."))

    assert (outcome.ok, outcome.code) == (False, "too_slow")
    assert outcome.reason == "Too slow for the deadline: no processed photo within 50 s (T_SYNC_RESPONSE)."
    assert "T_SYNC_RESPONSE" in outcome.fix


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("provider_error", "Gemini API key is not configured", "key_missing"),
        ("provider_quota", "Gemini 429 RESOURCE_EXHAUSTED: quota", "quota"),
        ("provider_refused", "Gemini blocked the prompt: SAFETY", "refused"),
        ("provider_timeout", "Gemini did not answer within 3.0 s", "too_slow"),
        ("provider_error", "Gemini 403 PERMISSION_DENIED: API key not valid.", "key_refused"),
        ("provider_error", "Gemini 404 NOT_FOUND: models/gemini-9 is not found", "model_not_found"),
        ("provider_error", "Gemini returned an unparseable response", "provider_error"),
    ],
)
def test_each_provider_failure_gets_its_reason_and_a_fix(code, message, expected):
    outcome = check_outcome(job(JobStatus.FAILED_PROVIDER, code, message, model="gemini-9"))

    assert (outcome.ok, outcome.code) == (False, expected)
    assert outcome.fix


def test_a_missing_key_borrows_the_providers_own_fix():
    outcome = check_outcome(
        job(JobStatus.FAILED_PROVIDER, "provider_error", "Gemini API key is not configured"),
        setup_problem="Put GEMINI_API_KEY in .env.",
    )

    assert outcome.reason == "Key missing: the gemini provider has no API key."
    assert outcome.fix == "Put GEMINI_API_KEY in .env."


def test_a_model_not_found_names_the_model():
    outcome = check_outcome(job(JobStatus.FAILED_PROVIDER, "provider_error", "Gemini 404 NOT_FOUND", model="gemini-9"))

    assert outcome.reason.startswith("Model not found: the provider does not offer gemini-9")


def test_a_check_that_could_not_start_says_what_to_start():
    outcome = not_started("no_workers", "no worker is running to process photos.")

    assert (outcome.ok, outcome.reason) == (False, "Not started: no worker is running to process photos.")
    assert "scripts/serve" in outcome.fix
