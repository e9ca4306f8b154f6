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


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "--no-cache", "."],
        ["ruff", "format", "--check", "--no-cache", "."],
        # mypy over the app packages (``files`` and the rest: ``[tool.mypy]`` in pyproject.toml).
        ["mypy"],
        # One import direction between the packages (``[tool.importlinter]``; docs/architecture.md).
        ["lint-imports", "--no-cache"],
    ],
    ids=["ruff-clean", "ruff-formatted", "mypy-clean", "import-layers-kept"],
)
def test_code_passes_its_checkers(command):
    tool = str(Path(sys.executable).parent / command[0])
    result = subprocess.run([tool, *command[1:]], cwd=ROOT, capture_output=True, text=True)
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
