"""GeminiProvider's retries, deadlines and error mapping against the stand-in Gemini server."""

from __future__ import annotations

import base64
import math
import pickle
import sys
import threading
import time
from typing import Any

import pydantic
import pytest
import requests
from google.genai import types

from providers.base import (
    ProviderPermanent,
    ProviderQuota,
    ProviderRefused,
    ProviderTransient,
)
from providers.gemini import GeminiProvider
from tests.providers.gemini_helpers import (
    PHOTO,
    make_provider,
    make_request,
)
from tests.support.gemini_stub import GeminiStub, blocked, error, finish, hang, malformed, ok, text_only

# -- retries and the deadline -------------------------------------------------------------------


def test_rate_limit_then_success_returns_image_within_deadline(stub: GeminiStub) -> None:
    stub.script(error(429, "Quota exceeded", retry_delay=1), ok())
    started = time.time()
    result = make_provider(stub).process(make_request(deadline_in=4))
    elapsed = time.time() - started
    assert result.attempts == 2
    assert 1.0 <= elapsed < 4
    assert stub.requests[1].at - stub.requests[0].at >= 1.0


def test_rate_limit_whose_retry_delay_exceeds_the_time_left_raises_quota_at_once(stub: GeminiStub) -> None:
    stub.script(error(429, "Quota exceeded", retry_delay=30))
    started = time.time()
    with pytest.raises(ProviderQuota) as caught:
        make_provider(stub).process(make_request(deadline_in=3))
    assert time.time() - started < 0.5
    assert (caught.value.retry_after, caught.value.attempts) == (30.0, 1)
    assert "429" in caught.value.message


def test_persistent_503_raises_transient_before_the_deadline(stub: GeminiStub) -> None:
    stub.default = error(503, "The model is overloaded.")
    request = make_request(deadline_in=2)
    with pytest.raises(ProviderTransient) as caught:
        make_provider(stub, backoff=0.2).process(request)
    assert time.time() < request.deadline
    assert caught.value.attempts == len(stub.requests) >= 2
    assert caught.value.model == "gemini-2.5-flash-image"


def test_a_hang_longer_than_the_deadline_is_abandoned_in_time(stub: GeminiStub) -> None:
    stub.default = hang(10)
    request = make_request(deadline_in=1.5)
    with pytest.raises(ProviderTransient) as caught:
        make_provider(stub).process(request)
    assert time.time() < request.deadline + 0.5
    assert "did not answer" in caught.value.message
    assert caught.value.attempts == 1


def test_each_attempts_timeout_never_exceeds_the_time_left(stub: GeminiStub, monkeypatch: pytest.MonkeyPatch) -> None:
    stub.script(error(503), error(500), hang(10))
    provider = make_provider(stub, timeout=30, backoff=0.3)
    request = make_request(deadline_in=2.5)
    budgets: list[tuple[float, float]] = []
    real_call = GeminiProvider._call

    async def spy(self: GeminiProvider, client: Any, model: str, contents: Any, timeout: float, *rest: Any) -> Any:
        budgets.append((timeout, request.remaining()))
        return await real_call(self, client, model, contents, timeout, *rest)

    monkeypatch.setattr(GeminiProvider, "_call", spy)
    with pytest.raises(ProviderTransient):
        provider.process(request)
    assert len(budgets) == 3
    assert all(0 < timeout < left for timeout, left in budgets)
    for seen, (timeout, _) in zip(stub.requests, budgets, strict=True):  # what went over the wire
        assert int(seen.headers["x-server-timeout"]) == math.ceil(timeout)
    assert time.time() < request.deadline


def test_no_attempt_starts_when_the_deadline_is_too_close(stub: GeminiStub) -> None:
    with pytest.raises(ProviderTransient, match="not called") as caught:
        make_provider(stub).process(make_request(deadline_in=0.3))
    assert (caught.value.attempts, stub.requests) == (0, [])


def test_the_workers_soft_time_limit_passes_through_untouched(
    stub: GeminiStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    class SoftTimeLimitExceeded(Exception):  # what billiard raises inside the task
        pass

    async def interrupted(*args: Any) -> Any:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(GeminiProvider, "_call", interrupted)
    with pytest.raises(SoftTimeLimitExceeded):
        make_provider(stub).process(make_request(fallback_models="model-b"))


def test_malformed_json_is_transient_and_retried(stub: GeminiStub) -> None:
    stub.script(malformed(), ok())
    assert make_provider(stub).process(make_request()).attempts == 2
    stub.default = malformed()
    with pytest.raises(ProviderTransient, match="unparseable"):
        make_provider(stub).process(make_request(deadline_in=1))


# -- refusals and permanent errors --------------------------------------------------------------


def test_safety_block_is_refused_with_the_reason_and_not_retried(stub: GeminiStub) -> None:
    stub.script(blocked("SAFETY"))
    with pytest.raises(ProviderRefused, match="SAFETY") as caught:
        make_provider(stub).process(make_request(fallback_models="other-model"))
    assert (caught.value.attempts, len(stub.requests)) == (1, 1)


def test_image_safety_finish_reason_is_refused(stub: GeminiStub) -> None:
    stub.script(finish("IMAGE_SAFETY", text="I can't edit this photo."))
    with pytest.raises(ProviderRefused, match="IMAGE_SAFETY"):
        make_provider(stub).process(make_request())


def test_text_only_answer_is_refused_as_no_image(stub: GeminiStub) -> None:
    stub.script(text_only("Here is a poem instead."))
    with pytest.raises(ProviderRefused, match="no_image"):
        make_provider(stub).process(make_request())


def test_bad_request_400_is_permanent_without_retry(stub: GeminiStub) -> None:
    stub.script(error(400, "Unsupported MIME type"))
    with pytest.raises(ProviderPermanent, match="Unsupported MIME type") as caught:
        make_provider(stub).process(make_request())
    assert (caught.value.attempts, len(stub.requests)) == (1, 1)


def test_fallback_model_answers_when_the_first_model_is_not_found(stub: GeminiStub) -> None:
    stub.script_model("model-a", error(404, "models/model-a is not found"))
    result = make_provider(stub).process(make_request(model="model-a", fallback_models="model-b, model-c"))
    assert (result.model, result.attempts) == ("model-b", 2)
    assert [seen.model for seen in stub.requests] == ["model-a", "model-b"]


def test_fallback_model_is_tried_after_repeated_transient_errors(stub: GeminiStub) -> None:
    stub.set_model_default("model-a", error(503))
    result = make_provider(stub, attempts_per_model=2).process(make_request(model="model-a", fallback_models="model-b"))
    assert (result.model, result.attempts) == ("model-b", 3)


def test_when_every_model_fails_the_last_error_is_raised(stub: GeminiStub) -> None:
    stub.script_model("model-a", error(404))
    stub.script_model("model-b", error(403, "Permission denied on model-b"))
    with pytest.raises(ProviderPermanent, match="model-b") as caught:
        make_provider(stub).process(make_request(model="model-a", fallback_models="model-b"))
    assert (caught.value.model, caught.value.attempts) == ("model-b", 2)


def test_invalid_api_key_is_permanent(stub: GeminiStub) -> None:
    with pytest.raises(ProviderPermanent, match="API key not valid"):
        make_provider(stub, api_keys="wrong-key").process(make_request())


def test_missing_api_key_is_permanent_and_calls_nothing(stub: GeminiStub) -> None:
    with pytest.raises(ProviderPermanent, match="Gemini API key is not configured"):
        make_provider(stub, api_keys="").process(make_request())
    assert stub.requests == []


def test_unreachable_server_is_transient() -> None:
    stub = GeminiStub().start()
    base_url = stub.base_url
    stub.stop()
    with pytest.raises(ProviderTransient, match="connection failed"):
        GeminiProvider(api_keys="k", base_url=base_url).process(make_request(deadline_in=1))


def test_raised_errors_survive_pickling_with_their_details(stub: GeminiStub) -> None:
    stub.script(error(429, retry_delay=30))
    with pytest.raises(ProviderQuota) as caught:
        make_provider(stub).process(make_request(deadline_in=2))
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is ProviderQuota
    assert (copy.message, copy.attempts, copy.model, copy.retry_after) == (
        caught.value.message,
        1,
        "gemini-2.5-flash-image",
        30.0,
    )


# -- the stub itself ----------------------------------------------------------------------------


def test_stub_accepts_standard_base64_snake_case_blobs_and_the_key_query_parameter(stub: GeminiStub) -> None:
    blob = {"mime_type": "image/jpeg", "data": base64.b64encode(PHOTO.data).decode()}
    answer = requests.post(
        f"{stub.base_url}/v1/models/m:generateContent?key=key-2",
        timeout=5,
        json={"contents": [{"parts": [{"text": "hi"}, {"inline_data": blob}]}]},
    )
    assert answer.status_code == 200
    assert answer.json()["candidates"][0]["content"]["parts"][0]["inlineData"]["mimeType"] == "image/png"
    [seen] = stub.requests
    assert (seen.api_version, seen.model, seen.api_key, seen.prompts) == ("v1", "m", "key-2", ["hi"])
    assert seen.images[0][:3] == ("image/jpeg", 64, 48)
    missing = requests.post(f"{stub.base_url}/v1beta/models/m:generateContent", json={}, timeout=5)
    assert (missing.status_code, missing.json()["error"]["status"]) == (403, "PERMISSION_DENIED")


def test_stub_serves_other_requests_while_one_hangs_and_stops_without_waiting(stub: GeminiStub) -> None:
    stub.script(hang(30))
    url = f"{stub.base_url}/v1beta/models/m:generateContent"
    blob = {"mimeType": "image/jpeg", "data": base64.urlsafe_b64encode(PHOTO.data).decode()}
    body = {"contents": [{"parts": [{"inlineData": blob}]}]}
    hung = threading.Thread(
        target=requests.post,
        args=(url,),
        daemon=True,
        kwargs={"json": body, "headers": {"x-goog-api-key": "key-1"}, "timeout": 5},
    )
    hung.start()
    while len(stub.requests) < 1:
        time.sleep(0.01)
    quick = requests.post(url, json=body, headers={"x-goog-api-key": "key-1"}, timeout=2)
    assert quick.status_code == 200
    started = time.time()
    stub.stop()
    assert time.time() - started < 1
    hung.join(2)
    assert not hung.is_alive()


def test_warm_builds_a_client_per_key_without_calling_gemini_and_keeps_the_key_order(stub: GeminiStub) -> None:
    provider = make_provider(stub, api_keys="key-1,key-2")
    provider.warm()  # in the worker's parent, before the pool forks

    assert sorted(provider._clients) == ["key-1", "key-2"]
    assert stub.requests == []
    provider.process(make_request())
    provider.process(make_request())
    assert [seen.api_key for seen in stub.requests] == ["key-1", "key-2"]


def test_after_warm_a_first_call_builds_no_sdk_validator_and_imports_nothing(stub: GeminiStub) -> None:
    # What a pool process would otherwise pay on its first call, privately (bench/README.md).
    provider = make_provider(stub, api_keys="key-1")
    provider.warm()
    models = [m for m in vars(types).values() if isinstance(m, type) and issubclass(m, pydantic.BaseModel)]
    assert models and all(m.__pydantic_complete__ for m in models)
    imported = set(sys.modules)

    provider.process(make_request())

    assert set(sys.modules) - imported == set()
