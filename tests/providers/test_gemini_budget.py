"""What a Gemini job may spend, as the worker reserves it against a slot's budget, and the hedge
that is not started when the budget has room for one call only."""

from __future__ import annotations

from dataclasses import replace

from providers.base import PaidCalls
from tests.providers.gemini_helpers import make_provider, make_request
from tests.support.gemini_stub import GeminiStub, hang, ok


def test_a_job_may_call_its_model_or_its_fallbacks_once_and_twice_when_it_hedges(stub: GeminiStub) -> None:
    provider = make_provider(stub)

    assert provider.paid_calls("edit", {"prompt": "x"}) == PaidCalls(models=("gemini-2.5-flash-image",), at_most=1)
    assert provider.paid_calls("edit", {"model": "a", "fallback_models": "b, a", "hedge_after": 2}) == PaidCalls(
        models=("a", "b"), at_most=2
    )


def test_with_room_for_one_call_no_hedge_starts_beside_a_slow_call(stub: GeminiStub) -> None:
    stub.script(hang(1.2), ok())
    request = replace(make_request(deadline_in=4, hedge_after=0.3), max_calls=1)

    make_provider(stub).process(request)

    assert len(stub.requests) == 1
