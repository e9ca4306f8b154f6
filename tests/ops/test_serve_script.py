"""``scripts/serve``'s options: --lan, --setup and --port are offered; anything else stops it before it
touches PostgreSQL, Redis, the venv or the env file. (--lan's settings on a real gunicorn:
tests/pipeline/test_serve_lan.py.)"""

from __future__ import annotations

import subprocess

from tests.support.stack import ROOT

SERVE = ROOT / "scripts" / "serve"


def test_help_names_the_venue_network_and_setup_only_modes():
    result = subprocess.run([str(SERVE), "--help"], capture_output=True, text=True, timeout=10)

    assert result.returncode == 0
    for option in ("scripts/serve --lan", "scripts/serve --setup", "scripts/serve --port 8080", "LAN_ADDRESS"):
        assert option in result.stdout


def test_an_unknown_option_stops_it_before_anything_runs():
    result = subprocess.run([str(SERVE), "--lna"], capture_output=True, text=True, timeout=10)

    assert result.returncode == 2
    assert "unknown option --lna" in result.stderr
    assert "PostgreSQL" not in result.stderr and "installing" not in result.stderr
