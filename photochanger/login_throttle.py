"""Failed logins (the API's token endpoint and the admin site's login) counted in Redis per client
address and per username. Past either limit, every login from that address or for that username
gets 429 with Retry-After until the window ends: the right password too, or the throttle would
tell a guesser which guess was right.

Failures are counted from Django's ``user_login_failed`` signal, so every login form that calls
``authenticate()`` with its request counts; the address is REMOTE_ADDR (a trusted proxy's
forwarded address is put there before any view runs), never a client-supplied header.

The per-username limit would let anyone who knows the operator's username lock the operator out
(the same defect as locking a booth out by its slot URL). So the addresses a user logged in from
successfully in the last KNOWN_ADDRESS_DAYS are remembered, and from those the per-username limit
does not apply (the per-address one still does): the guesser is held back, the operator is not.
"""

from __future__ import annotations

import hashlib
import logging
import math
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from photochanger.errors import ApplicationError, ServiceUnavailable

logger = logging.getLogger(__name__)

KEY_PREFIX = "photochanger:login-failures"
KNOWN_PREFIX = f"{KEY_PREFIX}:known-addresses"
KNOWN_ADDRESS_DAYS = 30


class LoginThrottled(ApplicationError):
    status = 429
    code = "too_many_failed_logins"


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1.0, socket_connect_timeout=1.0)


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
    _redis().pipeline().sadd(_known_key(username), client_address).expire(
        _known_key(username), KNOWN_ADDRESS_DAYS * 86400
    ).execute()


def login_blocked_for(*, client_address: str, username: str | None) -> int:
    """Seconds before this address may try to log in as this username again (0: not blocked)."""
    counters = _counters(client_address=client_address, username=username)
    if username and _redis().sismember(_known_key(username), client_address):
        counters = [(key, limit) for key, limit in counters if ":username:" not in key]
    if not counters:
        return 0
    pipeline = _redis().pipeline(transaction=False)
    for key, _ in counters:
        pipeline.get(key).ttl(key)
    replies = pipeline.execute()
    waits = [
        max(1, ttl)
        for (_, limit), failures, ttl in zip(counters, replies[::2], replies[1::2], strict=True)
        if failures is not None and int(failures) >= limit
    ]
    return max(waits, default=0)


def login_failure_record(*, client_address: str, username: str | None) -> None:
    window = math.ceil(settings.LOGIN_FAILURE_WINDOW_SECONDS)
    pipeline = _redis().pipeline()
    for key, _ in _counters(client_address=client_address, username=username):
        pipeline.incr(key).expire(key, window, nx=True)
    pipeline.execute()


def login_throttle_check(*, request: HttpRequest, username: Any) -> None:
    """Raises ``LoginThrottled`` (429) while this login is blocked, ``ServiceUnavailable`` (503)
    when Redis cannot say: without the counters a login is refused rather than left unlimited."""
    name = username if isinstance(username, str) else None
    try:
        wait = login_blocked_for(client_address=request.META.get("REMOTE_ADDR", ""), username=name)
    except redis.RedisError as exc:
        logger.error("login throttle unavailable: %s", exc)
        raise ServiceUnavailable(
            "Logins are unavailable for a moment; try again shortly.",
            code="login_unavailable",
            headers={"Retry-After": "5"},
        ) from exc
    if wait:
        raise LoginThrottled(
            f"Too many failed logins; try again in {wait} seconds.", headers={"Retry-After": str(wait)}
        )


def record_successful_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver (the admin site); the API's token view calls
    ``login_success_record`` itself, as issuing a token is not a Django session login."""
    if request is None:
        return
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
    username = credentials.get(get_user_model().USERNAME_FIELD)
    try:
        login_failure_record(
            client_address=request.META.get("REMOTE_ADDR", ""),
            username=username if isinstance(username, str) else None,
        )
    except redis.RedisError as exc:
        # The check before this login passed, so Redis is flapping; the next check refuses.
        logger.error("failed login not counted: %s", exc)
