"""A slot check's outcome in an operator's words: what happened, and how to fix it.

The reasons an evening goes wrong are few (docs/spec.md lists the failure codes): the provider
has no key or refuses it, the quota ran out, the provider refused the picture, the model name is
wrong, or the answer does not come before the booth's deadline. Each gets one sentence and a fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from jobs.models import Job, JobStatus


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    code: str
    reason: str
    fix: str = ""


KEY_REFUSED = re.compile(r"\b(401|403)\b|UNAUTHENTICATED|PERMISSION_DENIED|API key not valid", re.IGNORECASE)
MODEL_NOT_FOUND = re.compile(r"\b404\b|NOT_FOUND|not found", re.IGNORECASE)
KEY_MISSING = re.compile(r"key is not configured|no API key", re.IGNORECASE)


def _too_slow() -> CheckOutcome:
    return CheckOutcome(
        False,
        "too_slow",
        f"Too slow for the deadline: no processed photo within {settings.T_SYNC_RESPONSE:g} s (T_SYNC_RESPONSE).",
        "Pick a faster model or operation, or raise T_SYNC_RESPONSE (and set the booth's own timeout above it); "
        "if every slot times out, the worker may be overloaded or stopped.",
    )


def _provider_failure(job: Job, *, setup_problem: str | None) -> CheckOutcome:
    code, message = job.failure_code, job.failure_message.rstrip(". ")
    provider = job.provider
    if KEY_MISSING.search(message):
        return CheckOutcome(
            False,
            "key_missing",
            f"Key missing: the {provider} provider has no API key.",
            setup_problem or f"Configure the {provider} provider's API key and restart PhotoChanger.",
        )
    if code == "provider_quota":
        return CheckOutcome(
            False,
            "quota",
            f"Quota: the provider said too many requests or the quota is used up ({message}).",
            "Wait for the quota to reset, raise it in the provider's console, or add keys to GEMINI_API_KEY "
            "(comma-separated; they are used in turn).",
        )
    if code == "provider_refused":
        return CheckOutcome(
            False,
            "refused",
            f"Refused: the provider would not make this picture ({message}).",
            "Reword the slot's prompt: a refused sample portrait means guests' photos will be refused too.",
        )
    if code == "provider_timeout":
        return _too_slow()
    if KEY_REFUSED.search(message):
        return CheckOutcome(
            False,
            "key_refused",
            f"Key refused: the provider did not accept the API key ({message}).",
            "Check GEMINI_API_KEY in .env.local (scripts/serve; .env for docker compose): a current key of a "
            "project with the API enabled; then restart PhotoChanger.",
        )
    if MODEL_NOT_FOUND.search(message):
        model = job.model or job.params.get("model") or "the configured model"
        return CheckOutcome(
            False,
            "model_not_found",
            f"Model not found: the provider does not offer {model} ({message}).",
            "Correct the slot's model (and fallback models) to one the provider lists, then check again.",
        )
    return CheckOutcome(
        False,
        code or "provider_error",
        f"The provider failed: {message or code}.",
        "Open the check's job for details; if it repeats, try another model or provider.",
    )


def check_outcome(job: Job, *, setup_problem: str | None = None) -> CheckOutcome:
    """The outcome of a finished check job; ``setup_problem`` is the provider's own (the fix)."""
    if job.status == JobStatus.COMPLETED:
        return CheckOutcome(True, "ok", "OK: the processed photo came back in time.")
    if job.status == JobStatus.FAILED_TIMEOUT:
        if job.failure_code == "queue_unavailable":
            return not_started("queue_unavailable", job.failure_message)
        return _too_slow()
    if job.status == JobStatus.FAILED_PROVIDER:
        return _provider_failure(job, setup_problem=setup_problem)
    if job.status == JobStatus.CANCELLED:
        return CheckOutcome(False, "cancelled", "Cancelled by an operator before it finished.", "Check again.")
    return _too_slow()  # still active after its deadline


NOT_STARTED_FIXES = {
    "no_workers": "Start a worker: scripts/serve runs one (or `celery -A photochanger worker`).",
    "queue_unavailable": "Start Redis (scripts/serve does) and check REDIS_URL.",
    "storage_unavailable": "Check the file storage (MEDIA_ROOT on disk, or the S3 settings).",
    "slot_disabled": "Enable the slot (a disabled slot processes no photos, checks included).",
}


def not_started(code: str, message: str) -> CheckOutcome:
    """A check that could not even be queued (no worker, queue down, slot disabled, ...)."""
    return CheckOutcome(False, code, f"Not started: {message}", NOT_STARTED_FIXES.get(code, "Check again shortly."))
