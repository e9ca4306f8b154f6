"""TLS_MODE, the proxy's one setting (deploy/caddy/Caddyfile), decides HSTS and secure cookies in the
production settings, so the admin login works over HTTPS and on a plain-HTTP venue LAN alike."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps([s.SECURE_HSTS_SECONDS, "
    "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER]))"
)


def _production(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JWT_", "TLS_", "SECURE_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="photochanger.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(50),
        **env,
    )
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("mode", ["auto", "internal"])
def test_https_modes_turn_on_hsts_and_secure_cookies(mode):
    result = _production("-c", f"import django; django.setup(); {SHOW}", TLS_MODE=mode)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [31_536_000, True, True, ["HTTP_X_FORWARDED_PROTO", "https"]]


def test_the_lan_mode_serves_plain_http_without_hsts_or_secure_cookies():
    result = _production("-c", f"import django; django.setup(); {SHOW}", TLS_MODE="off")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [0, False, False, ["HTTP_X_FORWARDED_PROTO", "https"]]


def test_https_is_the_default():
    result = _production("-c", f"import django; django.setup(); {SHOW}")

    assert json.loads(result.stdout)[:3] == [31_536_000, True, True]


def test_an_unknown_tls_mode_stops_the_start_up():
    result = _production("manage.py", "check", TLS_MODE="https")

    assert result.returncode != 0
    assert "TLS_MODE must be one of auto, internal, off; got 'https'" in result.stderr


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_check_deploy_is_clean_in_either_choice(mode):
    result = _production("manage.py", "check", "--deploy", "--fail-level", "WARNING", TLS_MODE=mode)

    assert result.returncode == 0, result.stdout + result.stderr
