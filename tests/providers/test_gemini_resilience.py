"""Hedged calls, the circuit breaker's hooks, refusal recovery and the requested output shape,
through the real google-genai SDK against the stand-in Gemini server."""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import replace

import pytest
import requests

from providers.base import ImageData, ProviderRefused, ProviderTimeout, ProviderUnavailable
from providers.gemini_operations import nearest_aspect_ratio
from tests.providers.gemini_helpers import image_bytes, make_provider, make_request, opened
from tests.support.gemini_stub import GeminiStub, error, finish, hang, ok


class RecordingCircuit:
    """A circuit breaker double with a fixed set of open models, recording what it is told."""

    def __init__(self, open_models: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.open_models = set(open_models)
        self.events: list[tuple[str, str]] = []

    def allow(self, provider: str, model: str, *, lease: float) -> bool:
        self.events.append(("allow?", model))
        return model not in self.open_models

    def success(self, provider: str, model: str) -> None:
        self.events.append(("success", model))

    def failure(self, provider: str, model: str) -> None:
        self.events.append(("failure", model))


def _settled(stub: GeminiStub, seconds: float = 1.0) -> None:
    """Give the stand-in's handler threads time to notice closed connections."""
    time.sleep(seconds)


# -- hedged calls -------------------------------------------------------------------------------


def test_a_hedge_on_the_fallback_model_wins_and_the_slow_call_is_closed_and_reported(stub: GeminiStub) -> None:
    stub.set_model_default("slow-model", hang(8))
    stub.set_model_default("fast-model", ok(latency=0.2))
    request = make_request(deadline_in=6, model="slow-model", fallback_models="fast-model", hedge_after=0.5)
    started = time.time()

    result = make_provider(stub).process(request)

    assert result.model == "fast-model"
    assert 0.6 < time.time() - started < 2.5
    _settled(stub, 0.3)
    [slow] = stub.calls("slow-model")
    [fast] = stub.calls("fast-model")
    assert fast.at - slow.at == pytest.approx(0.5, abs=0.4)
    assert slow.disconnected_at is not None and slow.answered_at is None
    assert slow.disconnected_at - fast.answered_at < 1.0
    [loser] = result.side_calls
    assert (loser.model, loser.outcome, loser.attempts) == ("slow-model", "abandoned", 1)
    assert loser.usage == result.usage, "an abandoned call is billed like the answer it would have given"


def test_no_hedge_starts_when_the_first_call_answers_in_time(stub: GeminiStub) -> None:
    stub.default = ok(latency=0.2)
    result = make_provider(stub).process(make_request(fallback_models="other-model", hedge_after=1))
    assert [r.model for r in stub.requests] == ["gemini-2.5-flash-image"]
    assert result.side_calls == ()


def test_without_a_fallback_model_the_hedge_uses_the_next_api_key(stub: GeminiStub) -> None:
    stub.script(hang(6), ok())
    result = make_provider(stub, api_keys="key-1,key-2").process(make_request(deadline_in=4, hedge_after=0.3))
    first, second = stub.requests
    assert (first.model, second.model) == (result.model, result.model)
    assert (first.api_key, second.api_key) == ("key-1", "key-2")
    assert result.side_calls[0].outcome == "abandoned"


def test_two_hung_calls_end_at_the_deadline_and_neither_stays_open(stub: GeminiStub) -> None:
    stub.default = hang(30)
    request = make_request(deadline_in=2, fallback_models="model-b", hedge_after=0.3)

    with pytest.raises(ProviderTimeout) as caught:
        make_provider(stub).process(request)

    assert time.time() < request.deadline + 0.3
    assert len(stub.requests) == 2, "at most two calls in flight, and no third one"
    _settled(stub, 0.5)
    assert all(r.disconnected_at is not None and r.disconnected_at < request.deadline + 0.3 for r in stub.requests)
    assert [c.outcome for c in caught.value.side_calls] == ["provider_timeout"]


def test_an_interrupt_of_the_worker_closes_both_calls_in_flight(stub: GeminiStub) -> None:
    class SoftTimeLimitExceeded(Exception):  # what billiard raises from its signal handler
        pass

    def interrupt(signum, frame):
        raise SoftTimeLimitExceeded()

    stub.default = hang(30)
    previous = signal.signal(signal.SIGUSR1, interrupt)
    timer = threading.Timer(1.0, lambda: signal.raise_signal(signal.SIGUSR1))
    try:
        timer.start()
        with pytest.raises(SoftTimeLimitExceeded):
            make_provider(stub).process(make_request(deadline_in=10, fallback_models="model-b", hedge_after=0.3))
        interrupted = time.time()
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)
    _settled(stub, 0.5)
    assert len(stub.requests) == 2
    assert all(r.disconnected_at is not None and r.disconnected_at <= interrupted + 0.2 for r in stub.requests)


# -- the circuit breaker's hooks ------------------------------------------------------------------


def test_a_model_whose_breaker_is_open_is_skipped_without_a_call(stub: GeminiStub) -> None:
    circuit = RecordingCircuit({"broken-model"})
    request = make_request(model="broken-model", fallback_models="good-model")
    result = make_provider(stub).process(replace(request, circuit=circuit))
    assert result.model == "good-model"
    assert [r.model for r in stub.requests] == ["good-model"]
    assert circuit.events == [("allow?", "broken-model"), ("allow?", "good-model"), ("success", "good-model")]


def test_when_every_model_is_open_the_job_fails_at_once_as_unavailable(stub: GeminiStub) -> None:
    circuit = RecordingCircuit({"model-a", "model-b"})
    request = make_request(model="model-a", fallback_models="model-b")
    started = time.time()
    with pytest.raises(ProviderUnavailable) as caught:
        make_provider(stub).process(replace(request, circuit=circuit))
    assert time.time() - started < 0.3
    assert (caught.value.code, caught.value.attempts, stub.requests) == ("provider_unavailable", 0, [])


def test_transient_failures_are_reported_to_the_breaker_and_refusals_count_as_working(stub: GeminiStub) -> None:
    stub.script(error(503), finish("IMAGE_SAFETY"))
    circuit = RecordingCircuit()
    request = make_request(deadline_in=3)
    with pytest.raises(ProviderRefused):
        make_provider(stub).process(replace(request, circuit=circuit))
    model = "gemini-2.5-flash-image"
    assert [e for e in circuit.events if e[0] != "allow?"] == [("failure", model), ("success", model)]


# -- refusal recovery -----------------------------------------------------------------------------


def test_a_refusal_is_asked_again_once_with_the_refusal_prompt_and_recorded_as_recovered(stub: GeminiStub) -> None:
    stub.script(finish("IMAGE_SAFETY"), ok())
    request = make_request(fields={"name": "Ann"}, refusal_prompt="A friendly cartoon of {name}")

    result = make_provider(stub).process(request)

    assert [r.prompts for r in stub.requests] == [["Paint Ann as a pirate"], ["A friendly cartoon of Ann"]]
    assert (result.recovery, result.attempts) == ("refusal_prompt", 2)


def test_a_second_refusal_goes_on_to_the_fallback_model_with_the_refusal_prompt(stub: GeminiStub) -> None:
    stub.set_model_default("strict-model", finish("IMAGE_SAFETY"))
    request = make_request(model="strict-model", fallback_models="lenient-model", refusal_prompt="Be kind")
    result = make_provider(stub).process(request)
    assert [(r.model, r.prompts[0]) for r in stub.requests] == [
        ("strict-model", "Paint  as a pirate"),
        ("strict-model", "Be kind"),
        ("lenient-model", "Be kind"),
    ]
    assert (result.model, result.recovery) == ("lenient-model", "refusal_prompt")


def test_without_a_refusal_prompt_a_refusal_stays_final(stub: GeminiStub) -> None:
    stub.default = finish("IMAGE_SAFETY")
    with pytest.raises(ProviderRefused):
        make_provider(stub).process(make_request(fallback_models="other-model"))
    assert len(stub.requests) == 1


# -- output that fits the print -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "ratio"),
    [
        ((3000, 2000), "3:2"),
        ((2000, 3000), "2:3"),
        ((1200, 1200), "1:1"),
        ((1080, 1920), "9:16"),
        ((2400, 1800), "4:3"),
        ((1600, 2000), "4:5"),
        ((3440, 1440), "21:9"),
        ((240, 330), "3:4"),
    ],
)
def test_the_nearest_supported_aspect_ratio_is_chosen(size: tuple[int, int], ratio: str) -> None:
    assert nearest_aspect_ratio(*size) == ratio


def test_the_aspect_ratio_follows_the_upright_photo_not_the_reference_image(stub: GeminiStub) -> None:
    portrait = ImageData(image_bytes((48, 64)), "image/jpeg")
    landscape_style = ImageData(image_bytes((80, 45), fmt="PNG"), "image/png")
    result = make_provider(stub).process(
        make_request("style_transfer", image=portrait, templates={"style_images": (landscape_style,)})
    )
    [seen] = stub.requests
    assert (seen.aspect_ratio, seen.image_size) == ("3:4", None), "2.5 Flash Image takes no image size"
    assert opened(result.image).size == (48, 64)


@pytest.mark.parametrize(("param", "sent"), [({}, "2K"), ({"image_size": "4K"}, "4K"), ({"image_size": "1K"}, "1K")])
def test_gemini_3_pro_image_gets_the_slots_image_size(stub: GeminiStub, param: dict, sent: str) -> None:
    make_provider(stub).process(make_request(model="gemini-3-pro-image-preview", **param))
    assert (stub.requests[0].aspect_ratio, stub.requests[0].image_size) == ("4:3", sent)


def test_the_stand_in_refuses_what_gemini_refuses_in_an_image_config(stub: GeminiStub) -> None:
    body = {
        "contents": [{"parts": [{"text": "x"}]}],
        "generationConfig": {"imageConfig": {"aspectRatio": "7:5", "imageSize": "2K"}},
    }
    url = f"{stub.base_url}/v1beta/models/gemini-2.5-flash-image:generateContent"
    answer = requests.post(url, json=body, headers={"x-goog-api-key": "key-1"}, timeout=5)
    assert answer.status_code == 400 and "aspect ratio" in answer.text
    body["generationConfig"]["imageConfig"]["aspectRatio"] = "3:2"
    answer = requests.post(url, json=body, headers={"x-goog-api-key": "key-1"}, timeout=5)
    assert answer.status_code == 400 and "imageSize is not supported" in answer.text
