"""The Redis circuit breaker's policy, against the test Redis (each test on models of its own)."""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings

from jobs.breaker import RedisCircuitBreaker, breaker_states
from providers.breaker import BreakerPolicy


@pytest.fixture
def model() -> str:
    return f"model-{uuid.uuid4().hex[:8]}"


def breaker(failures: int = 3, window: float = 30, cooldown: float = 30, url: str | None = None) -> RedisCircuitBreaker:
    return RedisCircuitBreaker(BreakerPolicy(failures, window, cooldown), url or settings.REDIS_URL)


def fail(circuit: RedisCircuitBreaker, model: str, times: int) -> None:
    for _ in range(times):
        circuit.failure("gemini", model)


def test_it_opens_after_the_threshold_and_every_process_sees_it(model):
    first, second = breaker(), breaker()  # two workers: two connections, one state
    fail(first, model, 2)
    assert second.allow("gemini", model, lease=1)
    fail(second, model, 1)
    assert not first.allow("gemini", model, lease=1)
    assert not second.allow("gemini", model, lease=1)


def test_a_success_between_failures_starts_the_count_again(model):
    circuit = breaker()
    fail(circuit, model, 2)
    circuit.success("gemini", model)
    fail(circuit, model, 2)
    assert circuit.allow("gemini", model, lease=1)


def test_failures_further_apart_than_the_window_do_not_add_up(model):
    circuit = breaker(window=0.3)
    fail(circuit, model, 2)
    time.sleep(0.4)
    fail(circuit, model, 2)
    assert circuit.allow("gemini", model, lease=1)


def test_after_the_cool_down_one_probe_at_a_time_and_its_outcome_decides(model):
    circuit = breaker(cooldown=0.3)
    fail(circuit, model, 3)
    time.sleep(0.35)
    assert circuit.allow("gemini", model, lease=5)  # the probe
    assert not circuit.allow("gemini", model, lease=5)  # a second caller meanwhile
    circuit.failure("gemini", model)  # the probe failed: another cool-down
    assert not circuit.allow("gemini", model, lease=5)
    time.sleep(0.35)
    assert circuit.allow("gemini", model, lease=5)
    circuit.success("gemini", model)
    assert circuit.allow("gemini", model, lease=5) and circuit.allow("gemini", model, lease=5)
    [state] = [s for s in breaker_states() if s.model == model]
    assert (state.state, state.opened_total, state.closed_total) == ("closed", 2, 1)


def test_a_probe_that_never_reports_frees_the_model_after_its_lease(model):
    circuit = breaker(cooldown=0.1)
    fail(circuit, model, 3)
    time.sleep(0.15)
    assert circuit.allow("gemini", model, lease=0.2)
    assert not circuit.allow("gemini", model, lease=0.2)
    time.sleep(0.25)
    assert circuit.allow("gemini", model, lease=0.2)


def test_with_redis_unreachable_every_call_is_allowed_at_once(model):
    circuit = breaker(failures=1, url="redis://127.0.0.1:1/0")
    started = time.monotonic()
    fail(circuit, model, 5)
    assert all(circuit.allow("gemini", model, lease=1) for _ in range(5))
    assert time.monotonic() - started < 0.5
