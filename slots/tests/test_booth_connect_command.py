"""``manage.py booth_connect``: per slot the URL, the password (new on request) and a QR code."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from slots.services import slot_secret_matches
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("booth_connect", *args, stdout=out)
    return out.getvalue()


@override_settings(PUBLIC_BASE_URL="http://192.168.1.20:8000")
def test_every_active_slot_gets_its_url_and_a_qr_code_and_no_password_is_changed():
    slot = SlotFactory(name="Sepia")
    SlotFactory(name="Off", is_active=False)
    version = slot.version

    out = run()

    assert f"URL:      http://192.168.1.20:8000/ingest/{slot.id}" in out
    assert "only a hash is kept" in out and "--new-password" in out
    assert "Off" not in out and "█" in out and "127.0.0.1" not in out
    slot.refresh_from_db()
    assert slot.version == version


@override_settings(PUBLIC_BASE_URL="http://127.0.0.1:8000")
def test_a_new_password_is_printed_once_and_loopback_urls_are_warned_about():
    slot = SlotFactory()

    out = run("--slot", str(slot.id), "--new-password", "--no-qr")

    password = re.search(r"Password: (\S+)", out).group(1)
    slot.refresh_from_db()
    assert slot_secret_matches(slot=slot, secret=password)
    assert "only this machine reaches them" in out and "scripts/serve --lan" in out
    assert "█" not in out


@override_settings(LAN_ADDRESS="10.1.2.3")
def test_lan_uses_this_machines_address_and_the_port():
    slot = SlotFactory()

    assert f"http://10.1.2.3:8080/ingest/{slot.id}" in run("--lan", "--port", "8080", "--no-qr")


def test_a_new_password_needs_a_slot_and_an_unknown_slot_is_refused():
    with pytest.raises(CommandError, match="needs --slot"):
        run("--new-password")
    with pytest.raises(CommandError, match="No such slot"):
        run("--slot", "nope")
