"""Debug mode never reaches the network: the local settings refuse DJANGO_DEBUG while gunicorn
binds an address other machines reach (``scripts/serve --lan`` binds 0.0.0.0)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_local_settings(**variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), JWT_SIGNING_KEY=secrets.token_urlsafe(50))
    env.update(PYTHONPATH=str(ROOT), **variables)
    return subprocess.run(
        [sys.executable, "-c", "import photochanger.settings.local"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("bind", ["0.0.0.0:8000", "192.168.1.20:8000", "[::]:8000", "photos.local:8000"])
def test_debug_is_refused_when_gunicorn_binds_an_address_others_reach(bind):
    result = load_local_settings(DJANGO_DEBUG="true", GUNICORN_BIND=bind)

    assert result.returncode != 0
    assert "DJANGO_DEBUG is on while gunicorn binds" in result.stderr


@pytest.mark.parametrize(
    ("debug", "bind"),
    [("true", "127.0.0.1:8000"), ("true", "localhost:8000"), ("true", "[::1]:8000"), ("false", "0.0.0.0:8000")],
)
def test_debug_on_this_machine_only_or_no_debug_on_the_network_is_fine(debug, bind):
    result = load_local_settings(DJANGO_DEBUG=debug, GUNICORN_BIND=bind)

    assert result.returncode == 0, result.stderr
