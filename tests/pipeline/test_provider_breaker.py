"""The fleet-wide circuit breaker through ingest and two real workers sharing it in Redis: it opens
after failures seen by different workers, skips the open model, answers 502 provider_unavailable at
once when no model is left, half-opens after the cool-down, closes on a good probe, shows in
/metrics and the dashboard, and with its Redis gone the booths are served without it."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from celery import Celery

from console.dashboard import dashboard_breakers
from jobs.breaker import breaker_states
from jobs.models import Job
from tests.support import images
from tests.support.booth import booth_fields, booth_post
from tests.support.gemini_stub import error, ok
from tests.support.stack import ARTIFACTS, PrivateRedis, start_stack, start_worker, stop_process, wait_for

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]

FAILURES, COOLDOWN = 4, 2.0
FLAKY, STEADY = "flaky-image", "steady-image"


@pytest.fixture(scope="module")
def breaker_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def breaker_stack(stack_env, breaker_redis):
    """Its own web and two workers (two pool processes each) on a queue of their own, the breaker
    on a Redis of its own (so the test can stop it)."""
    env = {
        **stack_env,
        "CELERY_QUEUE": f"breaker-{uuid.uuid4().hex[:8]}",
        "T_SYNC_RESPONSE": "4",
        "PROVIDER_BREAKER_FAILURES": str(FAILURES),
        "PROVIDER_BREAKER_WINDOW_SECONDS": "30",
        "PROVIDER_BREAKER_COOLDOWN_SECONDS": str(COOLDOWN),
        "PROVIDER_BREAKER_REDIS_URL": breaker_redis.url,
    }
    stack = start_stack(env, "breaker-a", concurrency=2)
    second_name = f"breaker-b-{uuid.uuid4().hex[:8]}@localhost"
    second = start_worker(env, "breaker-b", second_name, concurrency=2)
    app = Celery(broker=env["REDIS_URL"], set_as_current=False)
    try:
        wait_for(lambda: any(second_name in r for r in app.control.ping(timeout=0.5)), "second worker", 60)
        yield stack
    finally:
        stop_process(second)
        stack.stop()


def _post(stack, slot):
    photo = images.jpeg(320, 240, comment=uuid.uuid4().hex.encode())  # every photo a different one
    return booth_post(f"{stack.base_url}/ingest/{slot.id}", photo=photo, password=slot.secret, fields=booth_fields())


def _breaker_log_events() -> list[dict]:
    events = []
    for name in ("breaker-a", "breaker-b"):
        for line in (ARTIFACTS / f"{name}-worker.log").read_text().splitlines():
            if line.startswith("{") and '"event": "breaker_' in line:
                events.append(json.loads(line))
    return sorted(events, key=lambda event: event["ts"])


def _metric_lines(stack, prefix: str) -> list[str]:
    token = stack.env["METRICS_TOKEN"]
    text = requests.get(f"{stack.base_url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5).text
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_the_breaker_opens_on_failures_of_different_workers_skips_half_opens_and_closes(
    breaker_stack, booth_slot, gemini, settings, breaker_redis
):
    settings.PROVIDER_BREAKER_REDIS_URL = breaker_redis.url  # this process reads the same state
    gemini.set_model_default(FLAKY, error(503, "High demand", latency=0.3))
    gemini.set_model_default(STEADY, ok(latency=0.2))
    slot = booth_slot(
        provider="gemini", operation="edit", params={"prompt": "Hi", "model": FLAKY, "fallback_models": STEADY}
    )

    # Four photos at once: four pool processes of two workers each see one 503 (their retry would
    # come 0.5 s later); together they reach the threshold and open the breaker.
    with ThreadPoolExecutor(FAILURES) as pool:
        answers = list(pool.map(lambda _: _post(breaker_stack, slot), range(FAILURES)))

    assert [a.status for a in answers] == [200] * FAILURES
    jobs = [Job.objects.get(id=a.headers["x-job-id"]) for a in answers]
    # Each job met the failing model, then was answered by the fallback. A job that started late on
    # a busy machine may have retried the failing model once before the breaker opened.
    assert {j.model for j in jobs} == {STEADY}
    assert all(j.attempts >= 2 for j in jobs)
    failed_calls = len(gemini.calls(FLAKY))
    assert failed_calls >= FAILURES
    [opened] = [e for e in _breaker_log_events() if e["event"] == "breaker_opened"]
    assert (opened["model"], opened["breaker_state"], opened["level"]) == (FLAKY, "open", "WARNING")
    [state] = [s for s in breaker_states() if s.model == FLAKY]
    assert state.state == "open"
    assert f'photochanger_provider_breaker_state{{model="{FLAKY}",provider="gemini",state="open"}} 1.0' in (
        _metric_lines(breaker_stack, "photochanger_provider_breaker_state")
    )
    assert [b["state"] for b in dashboard_breakers() or [] if b["model"] == FLAKY] == ["open"]

    # Open: the next photo goes straight to the fallback model.
    started = time.monotonic()
    assert _post(breaker_stack, slot).status == 200
    assert time.monotonic() - started < 1.2
    assert len(gemini.calls(FLAKY)) == failed_calls

    # With no model left to try, the booth is told at once.
    only_flaky = booth_slot(provider="gemini", operation="edit", params={"prompt": "Hi", "model": FLAKY})
    refused = _post(breaker_stack, only_flaky)
    assert (refused.status, refused.json()["error"]["code"]) == (502, "provider_unavailable")
    assert refused.elapsed < 1.0

    # After the cool-down one probe decides: the model works again, the breaker closes.
    gemini.set_model_default(FLAKY, ok(latency=0.2))
    time.sleep(COOLDOWN + 0.2)
    assert [s.state for s in breaker_states() if s.model == FLAKY] == ["half_open"]
    probe = _post(breaker_stack, slot)
    assert probe.status == 200
    assert Job.objects.get(id=probe.headers["x-job-id"]).model == FLAKY
    assert len(gemini.calls(FLAKY)) == failed_calls + 1
    assert [e["event"] for e in _breaker_log_events()] == ["breaker_opened", "breaker_closed"]
    [state] = [s for s in breaker_states() if s.model == FLAKY]
    assert (state.state, state.opened_total, state.closed_total) == ("closed", 1, 1)


def test_a_failed_probe_opens_it_again_and_only_one_probe_runs_at_a_time(
    breaker_stack, booth_slot, gemini, settings, breaker_redis
):
    settings.PROVIDER_BREAKER_REDIS_URL = breaker_redis.url
    model = f"storm-{uuid.uuid4().hex[:6]}"
    gemini.set_model_default(model, error(503, latency=0.8))
    gemini.set_model_default(STEADY, ok(latency=0.1))
    slot = booth_slot(
        provider="gemini", operation="edit", params={"prompt": "Hi", "model": model, "fallback_models": STEADY}
    )
    with ThreadPoolExecutor(FAILURES) as pool:
        assert set(pool.map(lambda _: _post(breaker_stack, slot).status, range(FAILURES))) == {200}
    failed_calls = len(gemini.calls(model))  # FAILURES, or a retry more from a job that started late
    assert failed_calls >= FAILURES
    assert [s.state for s in breaker_states() if s.model == model] == ["open"]
    time.sleep(COOLDOWN + 0.2)

    # Three photos at once after the cool-down: one probes (and fails), the others skip the model.
    with ThreadPoolExecutor(3) as pool:
        assert set(pool.map(lambda _: _post(breaker_stack, slot).status, range(3))) == {200}

    assert len(gemini.calls(model)) == failed_calls + 1
    [state] = [s for s in breaker_states() if s.model == model]
    assert (state.state, state.opened_total) == ("open", 2)


def test_one_photo_the_model_keeps_failing_on_does_not_switch_the_model_off_for_other_slots(
    breaker_stack, booth_slot, gemini, settings, breaker_redis
):
    settings.PROVIDER_BREAKER_REDIS_URL = breaker_redis.url
    model = f"picky-{uuid.uuid4().hex[:6]}"
    gemini.set_model_default(model, error(500, "Internal error", latency=0.2))
    # Both legs of a hedged call retry the one model until the deadline: more failures than the
    # threshold, all from one job.
    bad_photo_slot = booth_slot(
        provider="gemini", operation="edit", params={"prompt": "Hi", "model": model, "hedge_after": 0.1}
    )
    other_slot = booth_slot(provider="gemini", operation="edit", params={"prompt": "Other", "model": model})

    assert _post(breaker_stack, bad_photo_slot).status == 502
    assert len(gemini.calls(model)) >= FAILURES
    assert [s.state for s in breaker_states() if s.model == model] == ["closed"]

    gemini.set_model_default(model, ok(latency=0.1))
    served = _post(breaker_stack, other_slot)
    assert served.status == 200
    assert Job.objects.get(id=served.headers["x-job-id"]).model == model


def test_with_the_breakers_redis_down_booths_are_served_without_it(breaker_stack, booth_slot, gemini, breaker_redis):
    breaker_redis.stop()
    model = f"down-{uuid.uuid4().hex[:6]}"
    gemini.set_model_default(model, error(503))
    gemini.set_model_default(STEADY, ok(latency=0.1))
    slot = booth_slot(
        provider="gemini", operation="edit", params={"prompt": "Hi", "model": model, "fallback_models": STEADY}
    )

    answers = [_post(breaker_stack, slot) for _ in range(FAILURES + 1)]

    assert [a.status for a in answers] == [200] * (FAILURES + 1)
    # Every job still tries the failing model (three attempts each): nothing switched it off.
    assert len(gemini.calls(model)) == 3 * (FAILURES + 1)
    assert 'photochanger_metrics_source_up{source="breaker"} 0.0' in _metric_lines(
        breaker_stack, "photochanger_metrics_source_up"
    )
