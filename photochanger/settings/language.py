"""The operator's language: the admin site, the status page and the booth's error messages speak
English or Russian. ``LANGUAGE_CODE`` is the default; each admin user may switch (the language
cookie, set by the admin header's menu), and a booth's ``Accept-Language`` picks its messages."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from photochanger.settings.environment import BASE_DIR, env

LANGUAGES = [("en", "English"), ("ru", "Русский")]


def language_code(value: str) -> str:
    """One of LANGUAGES' codes; anything else stops the process at start-up."""
    code = value.strip().lower()
    allowed = [code for code, _ in LANGUAGES]
    if code not in allowed:
        raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(allowed)}; got {value!r}.")
    return code


LANGUAGE_CODE = language_code(env.str("LANGUAGE_CODE", default="en"))
USE_I18N = True
# The catalogues (locale/<lang>/LC_MESSAGES/django.po) are compiled to .mo by the set-up commands
# (scripts/lib.sh) and the image build; the .mo files are not kept in git.
LOCALE_PATHS = [BASE_DIR / "locale"]
