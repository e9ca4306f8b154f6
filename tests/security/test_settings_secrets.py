"""Every settings module refuses the placeholders shipped in .env.example and weak secrets; the
image runs production settings; the JWT signing key is its own secret."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured

from photochanger.settings.secrets import derived_key, secret_require

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["photochanger.settings.local", "photochanger.settings.production", "photochanger.settings.test"]

# Loads one settings module per variable, each in a fresh interpreter state, and reports which
# variable values stopped it. One subprocess per module keeps this test fast.
PROBE = """
import importlib, json, os, sys
from django.core.exceptions import ImproperlyConfigured
base_env = dict(os.environ)
module, cases = sys.argv[1], json.loads(sys.argv[2])
refused = {}
for name, value in cases.items():
    os.environ.clear(); os.environ.update(base_env); os.environ[name] = value
    for loaded in [m for m in sys.modules if m.startswith("photochanger.settings")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(module)
    except ImproperlyConfigured as exc:
        refused[name] = str(exc)
print(json.dumps(refused))
"""


def _env_example_placeholders() -> dict[str, str]:
    values = dict(re.findall(r"(?m)^([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text()))
    return {name: value for name, value in values.items() if "change-me" in value}


def _valid_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JWT_", "METRICS_"))}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(50),
        METRICS_TOKEN=secrets.token_urlsafe(32),
        PYTHONPATH=str(ROOT),
    )
    return env


def test_the_env_example_marks_every_secret_as_a_placeholder():
    placeholders = _env_example_placeholders()
    assert {
        "DJANGO_SECRET_KEY",
        "JWT_SIGNING_KEY",
        "METRICS_TOKEN",
        "POSTGRES_PASSWORD",
        "FLOWER_BASIC_AUTH",
        "MINIO_ROOT_PASSWORD",
        "S3_SECRET_ACCESS_KEY",
        "DATABASE_URL",
    } <= set(placeholders)


@pytest.mark.parametrize("module", MODULES)
def test_every_settings_module_refuses_each_placeholder_of_the_env_example(module):
    placeholders = _env_example_placeholders()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module, json.dumps(placeholders)],
        cwd=ROOT,
        env=_valid_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    refused = json.loads(result.stdout)
    assert sorted(refused) == sorted(placeholders)
    for name, message in refused.items():
        assert name in message or "password" in message.lower()


@pytest.mark.parametrize(
    "value",
    [
        "short-but-random-Qx7",
        "a" * 80,
        "abcdefghij" * 6,
        "Summer2024!" * 5,
        "qwertyuiopasdf" * 4,
        "change-me-to-a-long-random-string-" + secrets.token_urlsafe(40),
        "django-insecure-" + secrets.token_urlsafe(50),
    ],
    ids=[
        "short",
        "one-character",
        "repeated-pattern",
        "repeated-password",
        "keyboard-walk",
        "placeholder",
        "django-insecure",
    ],
)
def test_weak_secrets_are_refused(value):
    with pytest.raises(ImproperlyConfigured):
        secret_require("DJANGO_SECRET_KEY", value, min_length=50)


def test_generated_secrets_pass():
    for _ in range(200):
        secret_require("DJANGO_SECRET_KEY", secrets.token_urlsafe(50), min_length=50)
        secret_require("DJANGO_SECRET_KEY", secrets.token_hex(32), min_length=50)  # openssl rand -hex 32
        secret_require("METRICS_TOKEN", secrets.token_urlsafe(32), min_length=32)


def _settings_load(module: str, **overrides: str) -> subprocess.CompletedProcess:
    env = {**_valid_env(), **overrides}
    code = f"import importlib; importlib.import_module({module!r})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_requires_its_own_jwt_signing_key():
    missing = _settings_load("photochanger.settings.production", JWT_SIGNING_KEY="")
    assert missing.returncode != 0 and "JWT_SIGNING_KEY must be set" in missing.stderr
    key = secrets.token_urlsafe(50)
    same = _settings_load("photochanger.settings.production", DJANGO_SECRET_KEY=key, JWT_SIGNING_KEY=key)
    assert same.returncode != 0 and "must differ" in same.stderr
    assert _settings_load("photochanger.settings.production").returncode == 0


def test_without_a_jwt_key_tokens_are_signed_with_a_key_derived_from_but_not_equal_to_the_secret():
    secret = secrets.token_urlsafe(50)
    assert derived_key(secret, purpose="jwt") != secret
    assert derived_key(secret, purpose="jwt") == derived_key(secret, purpose="jwt")


@pytest.mark.django_db
def test_an_admin_token_signed_with_the_django_secret_key_is_refused(client, settings):
    """Whoever knows DJANGO_SECRET_KEY (e.g. from a leaked .env) still cannot mint admin tokens."""
    claims = {"token_type": "access", "exp": 4_102_444_800, "jti": "x", "user_id": 1, "scope": "slots:read"}
    forged = jwt.encode(claims, settings.SECRET_KEY, algorithm="HS256")

    response = client.get("/api/slots/", HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert settings.SIMPLE_JWT["SIGNING_KEY"] != settings.SECRET_KEY
    assert response.status_code == 401


def test_the_image_runs_production_settings_and_manage_py_the_local_ones():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "DJANGO_SETTINGS_MODULE=photochanger.settings.production" in dockerfile
    assert '"photochanger.settings.local"' in (ROOT / "manage.py").read_text()
    assert "photochanger.settings.local" in (ROOT / "scripts/serve").read_text()
    # A process started any other way (gunicorn, celery) falls back to the safe settings.
    for entry in ("photochanger/wsgi.py", "photochanger/celery.py"):
        assert '"photochanger.settings.production"' in (ROOT / entry).read_text()
