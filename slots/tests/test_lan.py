"""Serving the venue network: the LAN address, loopback URLs, the exports of scripts/serve --lan."""

from __future__ import annotations

import subprocess
import sys

import pytest
import segno

from slots import lan
from slots.lan import NoLanAddress, is_loopback_url, lan_address, lan_environment, qr_text


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.0.0.2:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://192.168.1.20:8000", False),
        ("https://photos.example.com", False),
    ],
)
def test_loopback_urls_are_recognised(url, loopback):
    assert is_loopback_url(url) is loopback


def test_an_override_wins_and_a_typo_is_refused():
    assert lan_address(override="192.168.1.20") == "192.168.1.20"
    with pytest.raises(ValueError):
        lan_address(override="192.168.1")


def test_the_routed_address_is_preferred_and_interfaces_are_the_fallback(monkeypatch):
    monkeypatch.setattr(lan, "_routed_address", lambda: "10.0.0.7")
    monkeypatch.setattr(lan, "_interface_addresses", lambda: ["172.16.0.9"])
    assert lan_address() == "10.0.0.7"

    monkeypatch.setattr(lan, "_routed_address", lambda: None)
    assert lan_address() == "172.16.0.9"

    monkeypatch.setattr(lan, "_interface_addresses", list)
    with pytest.raises(NoLanAddress, match="LAN_ADDRESS"):
        lan_address()


def test_this_machine_has_a_lan_address_that_is_not_loopback():
    assert not is_loopback_url(f"http://{lan_address()}:8000")


def test_the_lan_environment_binds_everything_and_keeps_the_allowed_hosts():
    assert lan_environment(address="192.168.1.20", port=8080, allowed_hosts=["127.0.0.1", "photos.local"]) == {
        "GUNICORN_BIND": "0.0.0.0:8080",
        "PUBLIC_BASE_URL": "http://192.168.1.20:8080",
        "DJANGO_ALLOWED_HOSTS": "192.168.1.20,127.0.0.1,photos.local",
        "LAN_ADDRESS": "192.168.1.20",
    }


def test_the_module_prints_shell_exports_and_fails_clearly(monkeypatch):
    run = [sys.executable, "-m", "slots.lan", "--port", "8123"]
    ok = subprocess.run(run, capture_output=True, text=True, env={"LAN_ADDRESS": "127.0.0.2"}, check=True)
    assert "export PUBLIC_BASE_URL=http://127.0.0.2:8123\n" in ok.stdout
    assert "export GUNICORN_BIND=0.0.0.0:8123\n" in ok.stdout

    bad = subprocess.run(run, capture_output=True, text=True, env={"LAN_ADDRESS": "nonsense"})
    assert bad.returncode == 1 and bad.stdout == ""
    assert "does not appear to be an IPv4 or IPv6 address" in bad.stderr


def test_the_qr_code_is_segnos_code_of_the_url_in_text():
    url = "http://192.168.1.20:8000/ingest/7f1c"
    text = qr_text(url)
    expected = segno.make(url, error="m")

    # Two modules per character row (compact), plus a border of two on each side.
    assert len(text.splitlines()) == (expected.symbol_size(border=2)[1] + 1) // 2
    assert "█" in text
