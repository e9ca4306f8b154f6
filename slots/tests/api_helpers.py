"""URL builders and assertions shared by the slot API tests."""

from __future__ import annotations

LIST = "/api/slots/"


def detail(slot) -> str:
    return f"/api/slots/{slot.id}/"


def rotate(slot) -> str:
    return f"/api/slots/{slot.id}/rotate-secret"


def expect_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code
    return body
