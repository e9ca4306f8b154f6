"""The ``canary`` flag (beat checks the slot during the event window) through the API."""

from __future__ import annotations

import pytest

from slots.models import Slot
from slots.tests.api_helpers import LIST, detail
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def test_a_slot_is_created_as_a_canary_on_request_and_not_otherwise(writer):
    flagged = writer.post(LIST, {"name": "A", "provider": "local", "operation": "sepia", "canary": True}, format="json")
    plain = writer.post(LIST, {"name": "B", "provider": "local", "operation": "sepia"}, format="json")

    assert (flagged.status_code, flagged.json()["canary"]) == (201, True)
    assert (plain.status_code, plain.json()["canary"]) == (201, False)
    assert Slot.objects.get(pk=flagged.json()["id"]).canary is True


def test_patch_turns_the_canary_off_and_a_put_without_it_leaves_it(writer):
    slot = SlotFactory(canary=True)

    off = writer.patch(detail(slot), {"canary": False}, format="json", HTTP_IF_MATCH='"1"')
    assert (off.status_code, off.json()["canary"]) == (200, False)

    writer.patch(detail(slot), {"canary": True}, format="json", HTTP_IF_MATCH='"2"')
    put = {"name": "C", "provider": "local", "operation": "sepia", "params": {}, "is_active": True, "version": 3}
    kept = writer.put(detail(slot), put, format="json")
    assert (kept.status_code, kept.json()["canary"]) == (200, True)
