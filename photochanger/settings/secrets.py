"""Refusing weak secrets at start-up.

Every settings module (local, production, test) runs these checks: a deployment made by copying
``.env.example`` and forgetting to edit it must not start, because anyone who read that file could
then sign sessions, mint admin tokens or read the metrics. The rules are deliberately simple: no
placeholder marker, a minimum length, and enough distinct characters and entropy that a word, a
keyboard walk or a repeated pattern is refused while any generated token passes
(``python -c 'import secrets; print(secrets.token_urlsafe(50))'``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import zlib
from collections import Counter
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

# Substrings that mark a value as "fill me in" (lower-cased comparison).
PLACEHOLDER_MARKERS = ("change-me", "changeme", "change_me", "replace-me", "placeholder", "django-insecure")
GENERATE_HINT = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def shannon_bits(value: str) -> float:
    """Total entropy estimate of ``value`` from its own character frequencies."""
    counts = Counter(value)
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return per_char * len(value)


def is_placeholder(value: str) -> bool:
    lowered = value.lower()
    return any(marker in lowered for marker in PLACEHOLDER_MARKERS)


def placeholder_refuse(name: str, value: str) -> str:
    """``value`` unless it is a placeholder (any length: passwords that need no minimum)."""
    if value and is_placeholder(value):
        raise ImproperlyConfigured(f"{name} is still the placeholder from .env.example; set a real value.")
    return value


def secret_require(name: str, value: str, *, min_length: int) -> str:
    """``value`` if it looks like a generated secret; otherwise refuse to start, saying why."""
    placeholder_refuse(name, value)
    if len(value) < min_length:
        raise ImproperlyConfigured(f"{name} must be at least {min_length} characters long; {GENERATE_HINT}.")
    # Generated tokens (token_urlsafe, token_hex) have 13+ distinct characters, 4+ bits each by this
    # estimate, and do not compress; words, keyboard walks and repeated patterns fail one of these.
    repeats = len(zlib.compress(value.encode(), 9)) < 0.75 * len(value)
    if len(set(value)) < 12 or shannon_bits(value) < 4 * min_length or repeats:
        raise ImproperlyConfigured(f"{name} looks low in entropy (a word, pattern or repeat); {GENERATE_HINT}.")
    return value


def url_password_refuse_placeholder(name: str, url: str) -> str:
    """A connection URL (database, Redis) whose password is a placeholder is refused."""
    password = urlsplit(url).password
    if password:
        placeholder_refuse(f"The password in {name}", unquote(password))
    return url


def derived_key(secret: str, *, purpose: str) -> str:
    """A key for one purpose derived from ``secret``: never the secret itself, so a token signed with
    it cannot be replayed as, say, a session or a slot-password hash."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()
