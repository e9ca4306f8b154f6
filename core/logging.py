"""Structured logs: one JSON object per line from web, worker and beat, with the job and slot a line
is about, and secrets scrubbed before anything is written.

- ``JsonFormatter`` writes ``{"ts", "level", "logger", "msg", "service", "pid", "job_id", "slot_id",
  ...extras}``; extras are the primitive values passed with ``extra=`` (provider, model, attempts,
  duration_s, status, outcome, ...), never objects such as the request.
- ``ContextFilter`` fills ``job_id``/``slot_id`` from context variables that the ingest request
  (``core.log_context``) and the worker task (Celery signals) bind, so every line logged while
  handling a job carries them without each call site passing them.
- Every formatted line goes through ``redact``: configured secrets (API keys, the Django secret,
  passwords, tokens from the environment or settings), bearer tokens, JWTs, ``password=...`` pairs
  and URL credentials are replaced. Slot passwords are never logged in the first place (the booth's
  ``password`` field is dropped from the metadata); the pattern rules are the safety net.

This module must import without Django configured: gunicorn's master uses the formatter too.
"""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("log_job_id", default=None)
_slot_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("log_slot_id", default=None)

REDACTED = "[redacted]"
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Extra names that must never be written, whatever their value.
SECRET_NAME = re.compile(r"password|passwd|secret|authorization|api_?key|credential|cookie|^token$|^jwt$", re.I)
# Environment variables whose values are secrets (an S3 access key *id* is an identifier, not one).
SECRET_ENV_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|ACCESS_KEY(?!_ID)|BASIC_AUTH", re.I)
# Shorter values would scrub ordinary words; a real secret is longer than this.
MIN_SECRET_LENGTH = 8
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]+", re.I), f"Bearer {REDACTED}"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@", re.I), rf"\1{REDACTED}@"),
    (
        re.compile(
            r"""((?:password|passwd|secret|api[_-]?key|x-goog-api-key|access[_-]?token|token)["']?\s*[:=]\s*["']?)"""
            r"""[^\s"'&,;}]+""",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"([?&](?:key|api_key|token|password)=)[^&\s\"']+", re.I), rf"\1{REDACTED}"),
    # Signed result and media links (/r/<token>, /m/<token>): the path itself is the credential.
    (re.compile(r"(/[rm]/)[A-Za-z0-9_:.=-]{16,}"), rf"\1{REDACTED}"),
)


# --- context -------------------------------------------------------------------------------------


def log_context_bind(*, job_id: Any = None, slot_id: Any = None) -> list[tuple[contextvars.ContextVar, Any]]:
    """Bind ids for the lines logged from here on (in this thread/task); returns tokens to unbind."""
    tokens = []
    if job_id is not None:
        tokens.append((_job_id, _job_id.set(str(job_id))))
    if slot_id is not None:
        tokens.append((_slot_id, _slot_id.set(str(slot_id))))
    return tokens


def log_context_unbind(tokens: list[tuple[contextvars.ContextVar, Any]]) -> None:
    for var, token in reversed(tokens):
        var.reset(token)


@contextmanager
def log_context(*, job_id: Any = None, slot_id: Any = None) -> Iterator[None]:
    tokens = log_context_bind(job_id=job_id, slot_id=slot_id)
    try:
        yield
    finally:
        log_context_unbind(tokens)


class ContextFilter(logging.Filter):
    """Adds the bound ``job_id``/``slot_id`` to a record that does not carry its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "job_id", None) is None:
            record.job_id = _job_id.get()
        if getattr(record, "slot_id", None) is None:
            record.slot_id = _slot_id.get()
        return True


# --- redaction -----------------------------------------------------------------------------------

_secrets_cache: dict[bool, tuple[str, ...]] = {}


def _env_secrets() -> set[str]:
    found: set[str] = set()
    for name, value in os.environ.items():
        if SECRET_ENV_NAME.search(name) and value:
            found.update(part.strip() for part in value.split(","))
    return found


def _settings_secrets() -> set[str]:
    from django.conf import settings

    found = {settings.SECRET_KEY, getattr(settings, "METRICS_TOKEN", "")}
    found.add(str(getattr(settings, "SIMPLE_JWT", {}).get("SIGNING_KEY") or ""))
    for provider in getattr(settings, "PROVIDERS", {}).values():
        keys = provider.get("OPTIONS", {}).get("api_keys") or ()
        found.update([keys] if isinstance(keys, str) else keys)
    for database in settings.DATABASES.values():
        found.add(str(database.get("PASSWORD") or ""))
    for storage in settings.STORAGES.values():
        options = storage.get("OPTIONS", {})
        found.add(str(options.get("secret_key") or ""))
    return found


def known_secrets() -> tuple[str, ...]:
    """Configured secret values, longest first (so a key containing another is replaced whole)."""
    try:
        from django.conf import settings

        configured = bool(settings.configured)
    except Exception:  # noqa: BLE001 - Django missing or broken: the environment still counts
        configured = False
    cached = _secrets_cache.get(configured)
    if cached is None:
        found = _env_secrets()
        if configured:
            try:
                found |= _settings_secrets()
            except Exception:  # noqa: BLE001, S110 - a half-loaded settings module must not break logging
                pass
        cached = tuple(sorted((s for s in found if s and len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True))
        _secrets_cache[configured] = cached
    return cached


def known_secrets_reset() -> None:
    _secrets_cache.clear()


def redact(text: str) -> str:
    for secret in known_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# --- formatters ----------------------------------------------------------------------------------


def _primitive(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


class JsonFormatter(logging.Formatter):
    def __init__(self, *args: Any, service: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service = service or os.environ.get("PHOTOCHANGER_SERVICE", "")

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if self.service:
            payload["service"] = self.service
        payload["pid"] = record.process
        payload["job_id"] = getattr(record, "job_id", None)
        payload["slot_id"] = getattr(record, "slot_id", None)
        for name, value in record.__dict__.items():
            if name in STANDARD_ATTRS or name in payload or name.startswith("_") or SECRET_NAME.search(name):
                continue
            if isinstance(value, uuid.UUID):
                value = str(value)
            if _primitive(value):
                payload[name] = value
        if payload["job_id"] is None:
            del payload["job_id"]
        if payload["slot_id"] is None:
            del payload["slot_id"]
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(payload, default=str, ensure_ascii=False))


class PlainFormatter(logging.Formatter):
    """Human-readable lines (``LOG_FORMAT=plain``), redacted like the JSON ones."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{name}={value}" for name in ("job_id", "slot_id") if (value := getattr(record, name, None)))
        return redact(f"{line} [{ids}]" if ids else line)


def logging_config(*, level: str = "INFO", fmt: str = "json") -> dict[str, Any]:
    """The ``LOGGING`` dict for Django settings (also applied by the Celery worker and beat)."""
    if fmt not in ("json", "plain"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'plain'; got {fmt!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "core.logging.ContextFilter"}},
        "formatters": {
            "json": {"()": "core.logging.JsonFormatter"},
            "plain": {
                "()": "core.logging.PlainFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": level},
        # Gunicorn and Celery name their own loggers; they propagate to the root handler.
        "loggers": {"gunicorn.error": {"propagate": True}, "gunicorn.access": {"propagate": True}},
    }


def logging_configure() -> None:
    """Apply Django's ``LOGGING`` (Celery's ``setup_logging`` signal: keep our format, not Celery's)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
