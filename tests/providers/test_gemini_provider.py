"""GeminiProvider against the stand-in Gemini server, through the real google-genai SDK."""

from __future__ import annotations

import base64
import io
import math
import pickle
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from PIL import Image

from providers.base import (
    ImageData,
    ProviderPermanent,
    ProviderQuota,
    ProviderRefused,
    ProviderRequest,
    ProviderTransient,
)
from providers.gemini import OPERATIONS, GeminiProvider
from tests.support.gemini_stub import GeminiStub, blocked, error, finish, hang, malformed, ok, text_only

PHOTO_COLOUR = (10, 200, 30)
INVERTED = (245, 55, 225)


def image_bytes(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = PHOTO_COLOUR,
                fmt: str = "JPEG", orientation: int | None = None) -> bytes:
    img = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


PHOTO = ImageData(image_bytes(), "image/jpeg")


def opened(image: ImageData) -> Image.Image:
    return Image.open(io.BytesIO(image.data))


def close_to(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 6) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


@pytest.fixture
def stub() -> Iterator[GeminiStub]:
    with GeminiStub(api_keys=["key-1", "key-2"]) as running:
        yield running


def make_provider(stub: GeminiStub, **options: Any) -> GeminiProvider:
    options.setdefault("api_keys", "key-1")
    options.setdefault("backoff", 0.05)
    return GeminiProvider(base_url=stub.base_url, **options)


def make_request(operation: str = "edit", *, deadline_in: float = 4.0, image: ImageData = PHOTO,
                 fields: dict[str, str] | None = None,
                 templates: dict[str, tuple[ImageData, ...]] | None = None,
                 **params: Any) -> ProviderRequest:
    params.setdefault("prompt", "Paint {name} as a pirate")
    if operation == "style_transfer":
        params.setdefault("style_images", ["tm-1"])
    if operation == "background_replace":
        params.setdefault("background", "tm-bg")
    cleaned = OPERATIONS[operation].validate(params)
    return ProviderRequest(operation, image, cleaned, time.time() + deadline_in,
                           templates=templates or {}, fields=fields or {})


# -- success ------------------------------------------------------------------------------------


def test_success_sends_rendered_prompt_photo_and_templates_in_order_and_returns_inverted_pixels(
        stub: GeminiStub) -> None:
    styles = (ImageData(image_bytes((20, 10), fmt="PNG"), "image/png"),
              ImageData(image_bytes((30, 15)), "image/jpeg"))
    provider = make_provider(stub, api_version="v1alpha")
    result = provider.process(make_request(
        "style_transfer", fields={"name": "Ann", "password": "ignored"}, templates={"style_images": styles},
        style_images=["tm-1", "tm-2"], model="gemini-test-image"))

    [seen] = stub.requests
    assert (seen.model, seen.api_version, seen.api_key) == ("gemini-test-image", "v1alpha", "key-1")
    assert seen.prompts == ["Paint Ann as a pirate"]
    assert [(mime, w, h) for mime, w, h, _ in seen.images] == [
        ("image/jpeg", 64, 48), ("image/png", 20, 10), ("image/jpeg", 30, 15)]
    assert seen.body["generationConfig"]["responseModalities"] == ["IMAGE", "TEXT"]
    assert (result.model, result.attempts) == ("gemini-test-image", 1)
    assert result.usage == {"prompt_token_count": 10 + 3 * 258, "candidates_token_count": 1290,
                            "total_token_count": 10 + 3 * 258 + 1290}
    assert result.image.content_type == "image/jpeg"
    out = opened(result.image)
    assert out.size == (64, 48)
    assert close_to(out.convert("RGB").getpixel((32, 24)), INVERTED)


def test_background_replace_sends_the_background_after_the_photo(stub: GeminiStub) -> None:
    background = ImageData(image_bytes((40, 30), colour=(0, 0, 255), fmt="PNG"), "image/png")
    make_provider(stub).process(make_request("background_replace", templates={"background": (background,)}))
    assert [(w, h) for _, w, h, _ in stub.requests[0].images] == [(64, 48), (40, 30)]


def test_missing_booth_field_renders_empty_in_the_prompt_gemini_sees(stub: GeminiStub) -> None:
    make_provider(stub).process(make_request(prompt="Hello {name}, {{literal}}", fields={}))
    assert stub.requests[0].prompts == ["Hello , {literal}"]


def test_text_parts_in_a_successful_answer_are_logged_not_returned(
        stub: GeminiStub, caplog: pytest.LogCaptureFixture) -> None:
    stub.script(ok(text="Here is your pirate!"))
    with caplog.at_level("INFO", logger="providers"):
        result = make_provider(stub).process(make_request())
    assert opened(result.image).format == "JPEG"
    assert "Here is your pirate!" in caplog.text


def test_output_matches_the_input_size_when_match_input_size_is_true(stub: GeminiStub) -> None:
    stub.script(ok(output_size=(100, 100)))
    result = make_provider(stub).process(make_request(output_format="png"))
    assert result.image.content_type == "image/png"
    assert opened(result.image).size == (64, 48)


def test_output_keeps_the_stub_size_when_match_input_size_is_false(stub: GeminiStub) -> None:
    stub.script(ok(output_size=(100, 80)))
    result = make_provider(stub).process(make_request(match_input_size=False))
    assert opened(result.image).size == (100, 80)


def test_large_input_is_downscaled_for_gemini_but_the_result_has_the_original_upright_size(
        stub: GeminiStub) -> None:
    rotated = ImageData(image_bytes((64, 48), orientation=6), "image/jpeg")  # EXIF: display as 48x64
    result = make_provider(stub, max_input_side=32).process(make_request(image=rotated))
    assert [(w, h) for _, w, h, _ in stub.requests[0].images] == [(24, 32)]
    assert opened(result.image).size == (48, 64)


def test_round_robin_uses_every_configured_key(stub: GeminiStub) -> None:
    provider = make_provider(stub, api_keys="key-1, key-2")
    for _ in range(4):
        provider.process(make_request())
    assert [seen.api_key for seen in stub.requests] == ["key-1", "key-2", "key-1", "key-2"]


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


def test_each_attempts_timeout_never_exceeds_the_time_left(
        stub: GeminiStub, monkeypatch: pytest.MonkeyPatch) -> None:
    stub.script(error(503), error(500), hang(10))
    provider = make_provider(stub, timeout=30, backoff=0.3)
    request = make_request(deadline_in=2.5)
    budgets: list[tuple[float, float]] = []
    real_call = GeminiProvider._call

    def spy(self: GeminiProvider, client: Any, model: str, contents: Any, timeout: float) -> Any:
        budgets.append((timeout, request.remaining()))
        return real_call(self, client, model, contents, timeout)

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
        stub: GeminiStub, monkeypatch: pytest.MonkeyPatch) -> None:
    class SoftTimeLimitExceeded(Exception):  # what billiard raises inside the task
        pass

    def interrupted(*args: Any) -> Any:
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
    result = make_provider(stub, attempts_per_model=2).process(make_request(model="model-a",
                                                                           fallback_models="model-b"))
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
        caught.value.message, 1, "gemini-2.5-flash-image", 30.0)


# -- the stub itself ----------------------------------------------------------------------------


def test_stub_accepts_standard_base64_snake_case_blobs_and_the_key_query_parameter(stub: GeminiStub) -> None:
    blob = {"mime_type": "image/jpeg", "data": base64.b64encode(PHOTO.data).decode()}
    answer = requests.post(f"{stub.base_url}/v1/models/m:generateContent?key=key-2", timeout=5,
                           json={"contents": [{"parts": [{"text": "hi"}, {"inline_data": blob}]}]})
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
    hung = threading.Thread(target=requests.post, args=(url,), daemon=True,
                            kwargs={"json": body, "headers": {"x-goog-api-key": "key-1"}, "timeout": 5})
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
