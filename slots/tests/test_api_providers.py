"""GET /api/providers/: the provider catalogue a UI renders slot forms from."""

from __future__ import annotations

import pytest

from core.provider_registry import provider_registry

pytestmark = pytest.mark.django_db

URL = "/api/providers/"


def _operation(body: dict, provider: str, operation: str) -> dict:
    (found,) = [p for p in body["providers"] if p["name"] == provider]
    (op,) = [o for o in found["operations"] if o["name"] == operation]
    return op


def _params(op: dict) -> dict[str, dict]:
    return {param["name"]: param for param in op["params"]}


def test_providers_without_a_token_get_401(anon_client):
    response = anon_client.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_providers_with_a_token_lacking_slots_read_get_403(api_client):
    response = api_client("slots:write", "jobs:read").get(URL)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_every_registered_provider_and_operation_is_listed(api_client):
    response = api_client("slots:read").get(URL)

    assert response.status_code == 200
    listed = {p["name"]: {o["name"] for o in p["operations"]} for p in response.json()["providers"]}
    assert listed == {p.name: set(p.operations) for p in provider_registry()}


def test_local_fit_shows_its_width_as_a_required_bounded_integer(api_client):
    fit = _operation(api_client("slots:read").get(URL).json(), "local", "fit")

    width = _params(fit)["width"]
    assert width["type"] == "integer"
    assert width["required"] is True
    assert (width["minimum"], width["maximum"]) == (1, 10000)
    # Integer bounds stay integers in the JSON, so a form can use them as they are.
    assert isinstance(width["maximum"], int)
    assert fit["label"] and width["label"]


def test_enum_params_list_their_choices_and_default(api_client):
    fit = _operation(api_client("slots:read").get(URL).json(), "local", "fit")

    output_format = _params(fit)["output_format"]
    assert output_format["type"] == "enum"
    assert output_format["choices"] == ["jpeg", "png", "webp"]
    assert output_format["default"] == "jpeg"
    assert output_format["required"] is False


def test_gemini_edit_requires_a_prompt_with_length_limits_and_help(api_client):
    edit = _operation(api_client("slots:read").get(URL).json(), "gemini", "edit")

    prompt = _params(edit)["prompt"]
    assert prompt["type"] == "text"
    assert prompt["required"] is True
    assert prompt["min_length"] == 1 and prompt["max_length"] == 4000
    assert "{name}" in prompt["help"]
    # Keys that do not apply are left out rather than sent as null.
    assert "minimum" not in prompt and "choices" not in prompt


def test_template_media_params_say_so_by_their_type(api_client):
    style = _operation(api_client("slots:read").get(URL).json(), "gemini", "style_transfer")

    images = _params(style)["style_images"]
    assert images["type"] == "template_media_list"
    assert images["max_items"] == 4
