"""Failed logins (the API's token endpoint and the admin site's login) counted in Redis per client
address and per username. Past either limit, every login from that address or for that username
gets 429 with Retry-After until the window ends: the right password too, or the throttle would
tell a guesser which guess was right.

Each login is counted as failed before its password is checked, in one Redis step with the check
of the limits (``login_attempt``), and a successful login gives its count back: a burst of
simultaneous guesses gets no more password checks than the limit, however many arrive at once.
A login form that calls ``authenticate()`` outside ``login_attempt`` is still counted afterwards,
by the ``user_login_failed`` receiver. The address is REMOTE_ADDR (a trusted proxy's forwarded
address is put there before any view runs), never a client-supplied header.

The per-username limit would let anyone who knows the operator's username lock the operator out
(the same defect as locking a booth out by its slot URL). So the addresses a user logged in from
successfully in the last KNOWN_ADDRESS_DAYS are remembered, and from those the per-username limit
does not apply (the per-address one still does): the guesser is held back, the operator is not.

At most LOGIN_CHECKS_PER_PROCESS password checks run at once in a web process; a login that
cannot get a turn within LOGIN_CHECK_WAIT_SECONDS gets 503 ``login_busy``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.db import connection_release
from core.errors import ApplicationError, ServiceUnavailable
from core.redis_clients import redis_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "photochanger:login-failures"
KNOWN_PREFIX = f"{KEY_PREFIX}:known-addresses"
KNOWN_ADDRESS_DAYS = 30
# Where a login's counted attempt (its counter keys) waits, on its request, for a success to give it back.
RESERVATION_ATTRIBUTE = "_photochanger_login_reservation"


class LoginThrottled(ApplicationError):
    status = 429
    code = "too_many_failed_logins"


@cache
def _redis() -> redis.Redis:
    return redis_client(settings.REDIS_URL, timeout=1.0)


def _username_digest(username: str) -> str:
    # Case and Unicode variants of one name share a counter; hashed, as the name is untrusted.
    normal = unicodedata.normalize("NFKC", username).strip().casefold()
    return hashlib.sha256(normal.encode()).hexdigest()


def _counters(*, client_address: str, username: str | None) -> list[tuple[str, int]]:
    """The counters a login attempt is held to, each with its limit (a limit of 0 is off)."""
    counters = []
    if settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
        counters.append((f"{KEY_PREFIX}:address:{client_address}", settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS))
    if settings.LOGIN_FAILURE_LIMIT_PER_USERNAME and username:
        counters.append(
            (f"{KEY_PREFIX}:username:{_username_digest(username)}", settings.LOGIN_FAILURE_LIMIT_PER_USERNAME)
        )
    return counters


def _known_key(username: str) -> str:
    return f"{KNOWN_PREFIX}:{_username_digest(username)}"


def login_success_record(*, client_address: str, username: str) -> None:
    """Remember where this user logs in from (the per-username limit spares those addresses)."""
    pipeline = _redis().pipeline()
    pipeline.sadd(_known_key(username), client_address)
    pipeline.expire(_known_key(username), KNOWN_ADDRESS_DAYS * 86400)
    pipeline.execute()


# Checks every counter and, only if none is at its limit, counts the attempt in all of them: one
# step, so simultaneous attempts cannot all pass a check made before any of them was counted.
# Answers 0 (counted) or the seconds left in the window of a counter at its limit.
_RESERVE = """
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
    wait = math.max(wait, redis.call('TTL', key), 1)
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[1], 'NX')
end
return 0
"""
# A counted attempt given back (its password was right, or it was never checked); never below 0,
# and a counter whose window ended meanwhile is not brought back.
_RELEASE = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
"""


def login_attempt_reserve(*, client_address: str, username: str | None) -> tuple[list[str], int]:
    """Count this attempt as failed before its password is checked: answers the counters it was
    counted in, or the seconds it must wait (nothing counted) when a limit is reached."""
    counters = _counters(client_address=client_address, username=username)
    if username and counters and _redis().sismember(_known_key(username), client_address):
        counters = [(key, limit) for key, limit in counters if ":username:" not in key]
    if not counters:
        return [], 0
    keys = [key for key, _ in counters]
    window = math.ceil(settings.LOGIN_FAILURE_WINDOW_SECONDS)
    wait = int(_redis().eval(_RESERVE, len(keys), *keys, window, *(limit for _, limit in counters)))
    return ([], wait) if wait else (keys, 0)


def login_attempt_release(*, keys: list[str]) -> None:
    if keys:
        _redis().eval(_RELEASE, len(keys), *keys)


def login_failure_record(*, client_address: str, username: str | None) -> None:
    window = math.ceil(settings.LOGIN_FAILURE_WINDOW_SECONDS)
    pipeline = _redis().pipeline()
    for key, _limit in _counters(client_address=client_address, username=username):
        pipeline.incr(key)
        pipeline.expire(key, window, nx=True)
    pipeline.execute()


@cache
def _login_checks(limit: int) -> threading.BoundedSemaphore:
    # Per process and per limit (a changed setting gets its own). A password hash is ~0.3-1 s of
    # CPU and holds a pooled database connection: unbounded, a burst of logins takes every core
    # and connection of the process from the booths.
    return threading.BoundedSemaphore(limit)


def _unavailable(exc: redis.RedisError) -> ServiceUnavailable:
    logger.error("login throttle unavailable: %s", exc)
    return ServiceUnavailable(
        _("Logins are unavailable for a moment; try again shortly."),
        code="login_unavailable",
        headers={"Retry-After": "5"},
    )


@contextmanager
def login_attempt(*, request: HttpRequest, username: Any) -> Iterator[None]:
    """Around one login's password check (``authenticate()``). Raises ``LoginThrottled`` (429)
    while this address or username is at a limit, ``ServiceUnavailable`` (503) when Redis cannot
    say (a login is refused rather than left unlimited) or when LOGIN_CHECKS_PER_PROCESS checks
    already run and none ended within LOGIN_CHECK_WAIT_SECONDS.

    The attempt is counted as failed before the check; a successful login gives it back
    (``record_successful_login``), so successes still do not count."""
    name = username if isinstance(username, str) else None
    address = request.META.get("REMOTE_ADDR", "")
    try:
        keys, wait = login_attempt_reserve(client_address=address, username=name)
    except redis.RedisError as exc:
        raise _unavailable(exc) from exc
    if wait:
        raise LoginThrottled(
            _("Too many failed logins; try again in %(seconds)s seconds.") % {"seconds": wait},
            headers={"Retry-After": str(wait)},
        )
    setattr(request, RESERVATION_ATTRIBUTE, keys)
    checks = _login_checks(settings.LOGIN_CHECKS_PER_PROCESS)
    connection_release()  # not held while waiting for a turn
    if not checks.acquire(timeout=settings.LOGIN_CHECK_WAIT_SECONDS):
        _reservation_release(request)  # never checked, so not a failure
        raise ServiceUnavailable(
            _("Too many logins are being checked right now; try again in a few seconds."),
            code="login_busy",
            headers={"Retry-After": "5"},
        )
    try:
        yield
    finally:
        checks.release()


def _reservation_release(request: Any) -> None:
    keys = getattr(request, RESERVATION_ATTRIBUTE, None)
    if not keys:
        return
    setattr(request, RESERVATION_ATTRIBUTE, [])
    try:
        login_attempt_release(keys=keys)
    except redis.RedisError as exc:
        logger.error("login attempt not given back: %s", exc)


def record_successful_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver (the admin site); the API's token serializer calls it itself,
    as issuing a token is not a Django session login. Gives back the login's counted attempt."""
    if request is None:
        return
    _reservation_release(request)
    try:
        login_success_record(client_address=request.META.get("REMOTE_ADDR", ""), username=user.get_username())
    except redis.RedisError as exc:
        logger.error("known login address not recorded: %s", exc)


def record_failed_login(
    sender: Any, credentials: Mapping[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """``user_login_failed`` receiver."""
    if request is None:
        return  # not a login over HTTP (a management command, a test's authenticate())
    if getattr(request, RESERVATION_ATTRIBUTE, None) is not None:
        return  # counted by ``login_attempt`` before the password was checked
    username = credentials.get(get_user_model().USERNAME_FIELD)
    try:
        login_failure_record(
            client_address=request.META.get("REMOTE_ADDR", ""),
            username=username if isinstance(username, str) else None,
        )
    except redis.RedisError as exc:
        # Redis is flapping; the next login's reservation refuses.
        logger.error("failed login not counted: %s", exc)
