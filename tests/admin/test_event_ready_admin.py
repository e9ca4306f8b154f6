"""What the admin site says before the event (server side): loopback ingest URLs, unconfigured
providers on the form and on save, the ready board's states."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from ingest.models import SlotCheck
from tests.admin.conftest import form_data
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def _check(slot, *, ok: bool, minutes_ago: int, code: str = "ok") -> SlotCheck:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return SlotCheck.objects.create(
        slot=slot, provider=slot.provider, operation=slot.operation, started_at=at, finished_at=at, ok=ok,
        reason_code=code, reason="OK: fine." if ok else "Quota: used up.", fix="" if ok else "Wait.",
    )  # fmt: skip


def test_slot_pages_warn_while_ingest_urls_point_at_this_machine_only(admin_client):
    slot = SlotFactory()

    with override_settings(PUBLIC_BASE_URL="http://127.0.0.1:8000"):
        listing = admin_client.get("/admin/slots/slot/").content.decode()
        page = admin_client.get(f"/admin/slots/slot/{slot.id}/change/").content.decode()
    with override_settings(PUBLIC_BASE_URL="http://192.168.1.20:8000"):
        lan_listing = admin_client.get("/admin/slots/slot/").content.decode()
        lan_index = admin_client.get("/admin/").content.decode()

    assert 'id="booth-url-warning"' in listing and "scripts/serve --lan" in listing
    assert 'id="booth-url-warning"' in page
    assert 'id="booth-url-warning"' not in lan_listing and 'id="booth-url-warning"' not in lan_index


def test_the_slot_form_knows_which_providers_are_not_configured(admin_client):
    html = admin_client.get("/admin/slots/slot/add/").content.decode()

    schema = json.loads(
        re.search(r'<script id="slot-form-schema" type="application/json">(.*?)</script>', html).group(1)
    )
    assert set(schema["setup_problems"]) == {"gemini_nokey"}
    assert "GEMINI_API_KEY" in schema["setup_problems"]["gemini_nokey"]


def test_saving_a_slot_on_an_unconfigured_provider_warns_with_the_fix(admin_client):
    data = form_data("gemini_nokey", "edit", prompt="Make it pop")

    response = admin_client.post("/admin/slots/slot/add/", data, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Saved, but this slot will fail: Gemini has no API key") for m in messages), messages


def test_the_ready_board_is_green_red_or_grey_from_each_slots_last_check(admin_client):
    green, red, grey = SlotFactory(name="A"), SlotFactory(name="B"), SlotFactory(name="C")
    SlotFactory(name="D off", is_active=False)
    _check(green, ok=False, minutes_ago=30, code="quota")
    _check(green, ok=True, minutes_ago=5)
    _check(red, ok=True, minutes_ago=30)
    _check(red, ok=False, minutes_ago=5, code="quota")

    html = admin_client.get("/admin/").content.decode()

    states = dict(re.findall(r'data-slot="([0-9a-f-]+)" data-state="(\w+)"', html))
    assert states == {str(green.id): "ok", str(red.id): "failed", str(grey.id): "unchecked"}
    assert "Fix: Wait." in html


def test_staff_without_slot_access_see_no_ready_board(client_for):
    assert 'id="ready-board"' not in client_for(staff=True).get("/admin/").content.decode()
