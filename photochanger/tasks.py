"""Celery tasks of the project's own app: thin wrappers around a command or a service."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


# Every login and every refresh records a refresh token (so it can be revoked); expired ones are
# worthless and would grow the table forever.
@shared_task(name="photochanger.flush_expired_tokens", ignore_result=True)
def flush_expired_tokens() -> None:
    call_command("flushexpiredtokens", verbosity=0)
