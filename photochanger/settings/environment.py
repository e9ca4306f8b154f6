"""Where settings come from: the environment, or a ``.env.local`` file beside ``manage.py`` (the
environment wins). ``.env.local`` is the host's own run (``scripts/serve``, ``manage.py``); compose
has its own ``.env``, which only docker compose reads (docs/deploy.md, "One env file per way of running"); the image
contains neither. Each topic module of this package reads its variables through ``env`` and checks
them with these helpers, so a bad value stops the process at start-up, not on the first booth
request. Every variable is documented in docs/configuration.md and in ``.env.example``."""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
LOCAL_ENV_FILE = ".env.local"
environ.Env.read_env(BASE_DIR / LOCAL_ENV_FILE)


def positive(name: str, value: float, *, maximum: float | None = None) -> float:
    if value <= 0 or (maximum is not None and value > maximum):
        limit = f" and at most {maximum}" if maximum is not None else ""
        raise ImproperlyConfigured(f"{name} must be greater than 0{limit}; got {value!r}.")
    return value


def count_limit(name: str, value: int) -> int:
    """A count limit where 0 means "no limit"."""
    if value < 0:
        raise ImproperlyConfigured(f"{name} must be 0 (no limit) or more; got {value!r}.")
    return value
