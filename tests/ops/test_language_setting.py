"""LANGUAGE_CODE: English or Russian, chosen from the environment; any other value stops the process
at start-up with a message that names the setting and the allowed values."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from photochanger.settings.language import LANGUAGES, language_code

ROOT = Path(__file__).resolve().parents[2]


def test_the_site_speaks_english_and_russian():
    assert LANGUAGES == [("en", "English"), ("ru", "Русский")]


@pytest.mark.parametrize(("value", "code"), [("en", "en"), ("ru", "ru"), (" RU ", "ru")])
def test_english_and_russian_are_taken(value, code):
    assert language_code(value) == code


@pytest.mark.parametrize("value", ["de", "en-us", "ru-RU", "", "russian"])
def test_any_other_language_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="LANGUAGE_CODE must be one of en, ru"):
        language_code(value)


def test_a_process_with_an_unknown_language_code_does_not_start():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "photochanger.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "LANGUAGE_CODE": "fr",
    }
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert "LANGUAGE_CODE must be one of en, ru; got 'fr'." in result.stderr
