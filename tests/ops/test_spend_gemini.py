"""Spend for a sequence of calls through the real worker code, the real google-genai SDK and the
stand-in Gemini server with known token usage."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from core.provider_registry import provider_registry
from jobs.models import JobStatus
from jobs.processing import job_run
from stats.models import ProviderCall
from tests.factories import SlotFactory
from tests.support.gemini_stub import GeminiStub, blocked, error, ok

pytestmark = pytest.mark.django_db

MODEL = "gemini-2.5-flash-image"


@pytest.fixture
def gemini_stub(settings):
    with GeminiStub(api_keys=["spend-key-1"]) as stub:
        providers = copy.deepcopy(settings.PROVIDERS)
        providers["gemini"]["OPTIONS"].update(base_url=stub.base_url, api_keys=["spend-key-1"])
        settings.PROVIDERS = providers
        provider_registry.cache_clear()
        yield stub
    provider_registry.cache_clear()


def test_spend_of_a_sequence_of_gemini_calls_with_known_usage(gemini_stub, queued_job, api_client):
    slot = SlotFactory(name="Gala", provider="gemini", operation="edit", params={"prompt": "Make it gold"})
    gemini_stub.script(
        ok(usage={"promptTokenCount": 1000, "candidatesTokenCount": 1290}),
        error(429, "Quota", retry_delay=0.05),
        ok(usage={"promptTokenCount": 500, "candidatesTokenCount": 1290, "thoughtsTokenCount": 210}),
        blocked("SAFETY"),
        error(400, "Bad request"),
    )

    statuses = [job_run(job_id=str(queued_job(slot).id)) for _ in range(4)]

    assert statuses == [JobStatus.COMPLETED] * 2 + [JobStatus.FAILED_PROVIDER] * 2
    calls = list(ProviderCall.objects.order_by("created_at"))
    assert [(c.outcome, c.attempts, c.input_tokens, c.output_tokens) for c in calls] == [
        ("ok", 1, 1000, 1290),
        ("ok", 2, 500, 1500),
        ("provider_refused", 1, None, None),
        ("provider_error", 1, None, None),
    ]
    # 1000 x 0.0003/1k + 1290 x 0.03/1k = 0.0003 + 0.0387; 500 x 0.0003/1k + 1500 x 0.03/1k = 0.00015 + 0.045
    assert [c.estimated_cost for c in calls] == [Decimal("0.039"), Decimal("0.04515"), 0, 0]
    assert {(c.model, c.slot_id) for c in calls} == {(MODEL, slot.id)}

    body = api_client("stats:read").get("/api/stats/spend", {"slot": slot.id}).json()
    [row] = body["days"]
    assert (row["slot_name"], row["calls"], row["errors"]) == ("Gala", 4, 2)
    assert (row["input_tokens"], row["output_tokens"]) == (1500, 2790)
    assert row["estimated_cost"] == "0.084150"


def test_a_configured_price_table_is_used_for_new_calls(gemini_stub, queued_job, settings):
    settings.PROVIDER_PRICES = {MODEL: {"per_call": 0.05}}
    gemini_stub.script(ok(usage={"promptTokenCount": 1000, "candidatesTokenCount": 1290}))
    slot = SlotFactory(provider="gemini", operation="edit", params={"prompt": "x"})

    job_run(job_id=str(queued_job(slot).id))

    assert ProviderCall.objects.get().estimated_cost == Decimal("0.05")
