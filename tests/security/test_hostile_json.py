"""JSON a client crafts gets a 4xx, never a 500: nesting deeper than the parser can follow, lone
surrogates echoed back in a 422, a Host header the site does not serve."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/slots/"])
def test_json_nested_too_deeply_is_a_400(client, api_client, path):
    body = "[" * 100_000 + "]" * 100_000
    caller = api_client("slots:create") if path == "/api/slots/" else client
    response = caller.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_lone_surrogate_in_a_parameter_name_is_a_422_that_encodes(api_client):
    body = '{"name": "x", "provider": "local", "operation": "sepia", "params": {"\\ud800": 1}}'
    response = api_client("slots:create").post("/api/slots/", body, content_type="application/json")
    assert response.status_code == 422
    assert "\\ud800" in response.content.decode()


def test_a_host_the_site_does_not_serve_is_a_json_400(client):
    response = client.get("/api/slots/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
