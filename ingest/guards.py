"""Abuse guards on the booth endpoint: failed-password rate limit per client and slot, and a cap on
a slot's jobs in flight, so one runaway booth cannot starve the others."""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest

from jobs.liveness import _client as redis_client
from jobs.models import ACTIVE_STATUSES, Job
from slots.models import Slot


def client_address(request: HttpRequest) -> str:
    """The booth's address: the peer's, or the one a trusted proxy saw (photochanger/proxies.py)."""
    return request.META.get("REMOTE_ADDR", "")


def _failures_key(slot: Slot, client: str) -> str:
    return f"photochanger:auth-failures:{slot.id}:{client}"


def auth_blocked_for(*, slot: Slot, client: str) -> int:
    """Seconds this client must wait before trying the slot's password again (0: not blocked)."""
    limit = settings.INGEST_AUTH_FAILURE_LIMIT
    if not limit:
        return 0
    key = _failures_key(slot, client)
    failures = redis_client().get(key)
    if failures is None or int(failures) < limit:
        return 0
    return max(1, redis_client().ttl(key))


def auth_failure_record(*, slot: Slot, client: str) -> None:
    key = _failures_key(slot, client)
    window = math.ceil(settings.INGEST_AUTH_FAILURE_WINDOW_SECONDS)
    redis_client().pipeline().incr(key).expire(key, window, nx=True).execute()


def slot_over_capacity(*, slot: Slot) -> bool:
    cap = settings.SLOT_MAX_IN_FLIGHT
    return bool(cap) and Job.objects.filter(slot=slot, status__in=ACTIVE_STATUSES).count() >= cap
