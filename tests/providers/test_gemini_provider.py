"""GeminiProvider against the stand-in Gemini server, through the real google-genai SDK."""

from __future__ import annotations

import pytest

from providers.base import (
    ImageData,
)
from tests.providers.gemini_helpers import (
    INVERTED,
    close_to,
    image_bytes,
    make_provider,
    make_request,
    opened,
)
from tests.support.gemini_stub import GeminiStub, ok

# -- success ------------------------------------------------------------------------------------


def test_success_sends_rendered_prompt_photo_and_templates_in_order_and_returns_inverted_pixels(
    stub: GeminiStub,
) -> None:
    styles = (ImageData(image_bytes((20, 10), fmt="PNG"), "image/png"), ImageData(image_bytes((30, 15)), "image/jpeg"))
    provider = make_provider(stub, api_version="v1alpha")
    result = provider.process(
        make_request(
            "style_transfer",
            fields={"name": "Ann", "password": "ignored"},
            templates={"style_images": styles},
            style_images=["tm-1", "tm-2"],
            model="gemini-test-image",
        )
    )

    [seen] = stub.requests
    assert (seen.model, seen.api_version, seen.api_key) == ("gemini-test-image", "v1alpha", "key-1")
    assert seen.prompts == ["Paint Ann as a pirate"]
    assert [(mime, w, h) for mime, w, h, _ in seen.images] == [
        ("image/jpeg", 64, 48),
        ("image/png", 20, 10),
        ("image/jpeg", 30, 15),
    ]
    assert seen.body["generationConfig"]["responseModalities"] == ["IMAGE", "TEXT"]
    assert (result.model, result.attempts) == ("gemini-test-image", 1)
    assert result.usage == {
        "prompt_token_count": 10 + 3 * 258,
        "candidates_token_count": 1290,
        "total_token_count": 10 + 3 * 258 + 1290,
    }
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
    stub: GeminiStub, caplog: pytest.LogCaptureFixture
) -> None:
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


def test_large_input_is_downscaled_for_gemini_but_the_result_has_the_original_upright_size(stub: GeminiStub) -> None:
    rotated = ImageData(image_bytes((64, 48), orientation=6), "image/jpeg")  # EXIF: display as 48x64
    result = make_provider(stub, max_input_side=32).process(make_request(image=rotated))
    assert [(w, h) for _, w, h, _ in stub.requests[0].images] == [(24, 32)]
    assert opened(result.image).size == (48, 64)


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_instead_of_resampled(stub: GeminiStub) -> None:
    big = ImageData(image_bytes((400, 300)), "image/jpeg")
    make_provider(stub, max_input_side=210).process(make_request(image=big))
    assert [(w, h) for _, w, h, _ in stub.requests[0].images] == [(200, 150)]  # 1/2 scale, within 10 %


def test_a_photo_already_in_the_photo_form_is_sent_as_it_is_and_the_result_has_the_booth_photo_size(
    stub: GeminiStub,
) -> None:
    provider = make_provider(stub, max_input_side=32)
    prepared = ImageData(image_bytes((32, 24)), "image/jpeg")
    assert provider.photo_form("edit").max_side == 32

    result = provider.process(make_request(image=prepared, photo_size=(640, 480)))

    [(_, width, height, data)] = stub.requests[0].images
    assert (width, height, data) == (32, 24, prepared.data)
    assert opened(result.image).size == (640, 480)


def test_round_robin_uses_every_configured_key(stub: GeminiStub) -> None:
    provider = make_provider(stub, api_keys="key-1, key-2")
    for _ in range(4):
        provider.process(make_request())
    assert [seen.api_key for seen in stub.requests] == ["key-1", "key-2", "key-1", "key-2"]
