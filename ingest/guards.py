"""Abuse guards on the booth endpoint: failed-password rate limit per client and slot, a cap on a
slot's jobs in flight, and bounds on the resends waiting on a job, so one runaway booth cannot
starve the others."""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import redis
from django.conf import settings
from django.http import HttpRequest
from redis.commands.core import Script

from core.redis_clients import broker_client
from jobs.models import ACTIVE_STATUSES, Job
from slots.models import Slot

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The booth's address: the peer's, or the one a trusted proxy saw (photochanger/proxies.py)."""
    return request.META.get("REMOTE_ADDR", "")


def _failures_key(slot: Slot, client: str) -> str:
    return f"photochanger:auth-failures:{slot.id}:{client}"


def auth_failure_record(*, slot: Slot, client: str) -> int:
    """Count a wrong password from ``client``; the seconds it must wait before trying again (0 while
    within INGEST_AUTH_FAILURE_LIMIT). Counting first and comparing the count makes it one step, so
    a burst of guesses at once gets no more tries than the limit."""
    key = _failures_key(slot, client)
    window = math.ceil(settings.INGEST_AUTH_FAILURE_WINDOW_SECONDS)
    pipeline = broker_client().pipeline()
    pipeline.incr(key)
    pipeline.expire(key, window, nx=True)
    pipeline.ttl(key)
    failures, _, ttl = pipeline.execute()
    limit = settings.INGEST_AUTH_FAILURE_LIMIT
    if not limit or failures <= limit:
        return 0
    return max(1, ttl)


def slot_over_capacity(*, slot: Slot) -> bool:
    """A quick look before the photo is checked and stored; the cap itself is enforced in the
    transaction that creates the job (``jobs.services.job_create``)."""
    cap = settings.SLOT_MAX_IN_FLIGHT
    return bool(cap) and Job.objects.filter(slot=slot, status__in=ACTIVE_STATUSES).count() >= cap


# A place whose request died without giving it back is dropped this long after its job's deadline
# (a live request has answered by then).
WAITING_PLACE_GRACE_SECONDS = 5.0

# One atomic step in Redis: drop expired places, then take a place on the job (KEYS[1]) and on its
# slot (KEYS[2]) if both have room under their limits (0: none), each key expiring after its last place.
_TAKE_WAITING_PLACE = """
local place, now, expires_at, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[6])
local limits = {tonumber(ARGV[4]), tonumber(ARGV[5])}
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if limits[i] > 0 and redis.call('ZCARD', key) >= limits[i] then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, expires_at, place)
  if redis.call('TTL', key) < ttl then redis.call('EXPIRE', key, ttl) end
end
return 1
"""


@cache
def _take_waiting_place() -> Script:
    return broker_client().register_script(_TAKE_WAITING_PLACE)


@contextmanager
def retry_waiting_place(*, job: Job) -> Iterator[bool]:
    """A place among the booth resends waiting on ``job``: yields False when the job already has
    JOB_MAX_WAITING_RETRIES of them, or its slot SLOT_MAX_WAITING_RETRIES, waiting. Each waiting
    request holds a web thread until the job's deadline, so they are bounded like jobs in flight.

    The place is given back on exit; a request that dies without exiting loses it shortly after
    the job's deadline (each place carries its expiry, each key a TTL). Raises redis errors.
    """
    job_limit, slot_limit = settings.JOB_MAX_WAITING_RETRIES, settings.SLOT_MAX_WAITING_RETRIES
    if not (job_limit or slot_limit):
        yield True
        return
    keys = [f"photochanger:waiting-retries:job:{job.id}", f"photochanger:waiting-retries:slot:{job.slot_id}"]
    place, now = uuid.uuid4().hex, time.time()
    until = job.deadline.timestamp() + WAITING_PLACE_GRACE_SECONDS
    ttl = max(1, math.ceil(until - now))
    taken = _take_waiting_place()(keys=keys, args=[place, now, until, job_limit, slot_limit, ttl]) == 1
    try:
        yield taken
    finally:
        if taken:
            _waiting_place_give_back(keys, place)


def _waiting_place_give_back(keys: list[str], place: str) -> None:
    try:
        pipeline = broker_client().pipeline()
        for key in keys:
            pipeline.zrem(key, place)
        pipeline.execute()
    except redis.RedisError as exc:
        logger.warning("waiting place not given back (it expires by itself): %s", exc)
