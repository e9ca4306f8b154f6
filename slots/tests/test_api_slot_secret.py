"""Slot secrets through the API: rotation with the current version, and concurrent writes."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from slots.models import Slot
from slots.services import slot_secret_matches
from slots.tests.api_helpers import detail, expect_error, rotate
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


# --- scopes --------------------------------------------------------------------------------------


def test_rotation_returns_a_new_secret_once_and_the_old_one_stops_working(writer):
    slot = SlotFactory()

    response = writer.post(rotate(slot), {"version": 1}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    slot.refresh_from_db()
    assert body["version"] == slot.version == 2
    assert body["ingest_url"].endswith(f"/ingest/{slot.id}")
    assert slot_secret_matches(slot=slot, secret=body["secret"])
    assert not slot_secret_matches(slot=slot, secret=slot.secret)
    assert body["secret"] not in writer.get(detail(slot)).content.decode()


def test_rotation_with_a_stale_version_gets_409_and_keeps_the_secret(writer):
    slot = SlotFactory()
    writer.patch(detail(slot), {"name": "Moved on"}, format="json", HTTP_IF_MATCH="1")

    body = expect_error(writer.post(rotate(slot), HTTP_IF_MATCH="1"), 409, "version_conflict")

    assert body["current_version"] == 2
    assert slot_secret_matches(slot=Slot.objects.get(id=slot.id), secret=slot.secret)


# --- concurrency ---------------------------------------------------------------------------------

RACES = {
    "rotations": lambda client, slot, n: client.post(rotate(slot), HTTP_IF_MATCH="1"),
    "updates": lambda client, slot, n: client.patch(
        detail(slot), {"name": f"Racer {n}"}, format="json", HTTP_IF_MATCH="1"
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("race", RACES)
def test_of_two_concurrent_writes_with_the_same_version_exactly_one_wins(api_client, race):
    slot = SlotFactory()
    clients = [api_client("slots:write"), api_client("slots:write")]
    barrier = threading.Barrier(2)
    responses: list = [None, None]

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[n] = RACES[race](clients[n], slot, n)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winner, loser = sorted(responses, key=lambda response: response.status_code)
    assert (winner.status_code, loser.status_code) == (200, 409)
    assert loser.json()["error"] == {**loser.json()["error"], "code": "version_conflict", "current_version": 2}
    slot.refresh_from_db()
    assert slot.version == winner.json()["version"] == 2
    if race == "rotations":
        assert slot_secret_matches(slot=slot, secret=winner.json()["secret"])
    else:
        assert slot.name == winner.json()["name"]
