"""Project-wide checks that keep a clean checkout clean."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def test_code_is_ruff_clean():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_ruff_formatted():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "format", "--check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_type_checks():
    """mypy over the app packages (``files`` and the rest of the setup: ``[tool.mypy]`` in pyproject.toml)."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "mypy")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_django_system_checks_pass():
    call_command("check", fail_level="WARNING")


def test_production_settings_pass_djangos_deployment_checklist():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "photochanger.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "false",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_debug_and_weak_secret_keys():
    for overrides in ({"DJANGO_DEBUG": "true"}, {"DJANGO_SECRET_KEY": "short"}):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "photochanger.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
            **overrides,
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
