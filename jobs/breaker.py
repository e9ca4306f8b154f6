"""The fleet-wide circuit breaker on Redis: every worker sees the same state per provider and model
(the policy: providers/breaker.py). Each decision is one Lua script, so workers racing on a
failing model open it once and only one of them probes it after the cool-down.

Redis down means no breaker, never a blocked booth: every call is allowed (and nothing recorded)
while Redis fails, and a process that saw it fail leaves it alone for ``REDIS_RETRY_SECONDS``.
Opening and closing are logged, one JSON line each; ``/metrics`` and the admin dashboard read the
state through ``breaker_states``.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings

from core.redis_clients import redis_client, redis_connection
from providers.breaker import BreakerPolicy

logger = logging.getLogger(__name__)

KEY_PREFIX = "photochanger:breaker"
# How long a process skips Redis after it failed: a blackholed Redis must not cost every call a
# connect timeout.
REDIS_RETRY_SECONDS = 5.0
SOCKET_TIMEOUT = 0.25

# KEYS[1] the model's hash; ARGV: operation, now, failures, window, cool-down, lease.
# Returns 1/0 for "allow" (2: allowed as the half-open probe), and for "failure"/"success" the
# transition made: "opened", "reopened" (a probe failed), "closed" or "".
SCRIPT = """
local key, op, now = KEYS[1], ARGV[1], tonumber(ARGV[2])
local threshold, window, cooldown = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local state = redis.call('HGET', key, 'state') or 'closed'
if op == 'allow' then
  if state ~= 'open' then return 1 end
  if now < tonumber(redis.call('HGET', key, 'open_until') or 0) then return 0 end
  if now < tonumber(redis.call('HGET', key, 'probe_until') or 0) then return 0 end
  redis.call('HSET', key, 'probe_until', now + tonumber(ARGV[6]))
  return 2
end
if op == 'success' then
  if state == 'open' then
    redis.call('HSET', key, 'state', 'closed', 'fails', 0, 'probe_until', 0, 'changed_at', now)
    redis.call('HINCRBY', key, 'closed_total', 1)
    return 'closed'
  end
  redis.call('HSET', key, 'fails', 0)
  return ''
end
if state == 'open' then
  -- A failed probe opens it for another cool-down; failures of calls that were already in
  -- flight when it opened change nothing.
  if now >= tonumber(redis.call('HGET', key, 'open_until') or 0) then
    redis.call('HSET', key, 'open_until', now + cooldown, 'probe_until', 0, 'changed_at', now)
    redis.call('HINCRBY', key, 'opened_total', 1)
    return 'reopened'
  end
  return ''
end
local fails = tonumber(redis.call('HGET', key, 'fails') or 0)
local first = tonumber(redis.call('HGET', key, 'first_at') or 0)
if fails == 0 or now - first > window then
  fails, first = 1, now
else
  fails = fails + 1
end
if fails >= threshold then
  redis.call('HSET', key, 'state', 'open', 'fails', 0, 'first_at', first, 'open_until', now + cooldown,
             'probe_until', 0, 'changed_at', now)
  redis.call('HINCRBY', key, 'opened_total', 1)
  return 'opened'
end
redis.call('HSET', key, 'fails', fails, 'first_at', first)
return ''
"""


def _key(provider: str, model: str) -> str:
    return f"{KEY_PREFIX}:{provider}:{model.removeprefix('models/')}"


def breaker_policy() -> BreakerPolicy:
    return BreakerPolicy(
        failures=settings.PROVIDER_BREAKER_FAILURES,
        window=settings.PROVIDER_BREAKER_WINDOW_SECONDS,
        cooldown=settings.PROVIDER_BREAKER_COOLDOWN_SECONDS,
    )


def _redis_url() -> str:
    return settings.PROVIDER_BREAKER_REDIS_URL or settings.REDIS_URL


class RedisCircuitBreaker:
    """``providers.breaker.CircuitBreaker`` for the whole fleet."""

    def __init__(self, policy: BreakerPolicy, url: str) -> None:
        self.policy = policy
        self.client = redis_client(url, timeout=SOCKET_TIMEOUT)
        self.script = self.client.register_script(SCRIPT)
        self._skip_until = 0.0

    def _run(self, operation: str, provider: str, model: str, lease: float = 0.0) -> object:
        """The script's answer, or None when Redis failed (the caller then fails open)."""
        if time.monotonic() < self._skip_until:
            return None
        policy = self.policy
        args: list[str | float] = [operation, time.time(), policy.failures, policy.window, policy.cooldown, lease]
        try:
            return self.script(keys=[_key(provider, model)], args=args)
        except redis.RedisError as exc:
            self._skip_until = time.monotonic() + REDIS_RETRY_SECONDS
            logger.warning("circuit breaker unavailable (calls proceed without it): %s", exc)
            return None

    def allow(self, provider: str, model: str, *, lease: float) -> bool:
        answer = self._run("allow", provider, model, lease)
        if answer == 2:
            logger.info("circuit breaker %s/%s half-open: this call probes it", provider, model)
        return answer is None or bool(answer)

    def success(self, provider: str, model: str) -> None:
        self._log(self._run("success", provider, model), provider, model)

    def failure(self, provider: str, model: str) -> None:
        self._log(self._run("failure", provider, model), provider, model)

    def _log(self, transition: object, provider: str, model: str) -> None:
        if isinstance(transition, bytes):
            transition = transition.decode()
        if not transition:
            return
        state = "closed" if transition == "closed" else "open"
        message = f"circuit breaker {provider}/{model} {transition}"
        if state == "open":
            message += f" for {self.policy.cooldown:g} s"
        logger.warning(
            message,
            extra={
                "event": f"breaker_{transition}",
                "provider": provider,
                "model": model,
                "breaker_state": state,
                "failures": self.policy.failures,
                "window_s": self.policy.window,
                "cooldown_s": self.policy.cooldown,
            },
        )


@cache
def _worker_circuit(pid: int) -> RedisCircuitBreaker | None:
    policy = breaker_policy()
    return RedisCircuitBreaker(policy, _redis_url()) if policy.enabled else None


def worker_circuit() -> RedisCircuitBreaker | None:
    """This process's breaker (its own connection pool: pool processes are forked), None when off."""
    return _worker_circuit(os.getpid())


@dataclass(frozen=True)
class BreakerState:
    provider: str
    model: str
    state: str  # closed | open | half_open
    opened_total: int
    closed_total: int
    changed_at: float | None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def breaker_states() -> list[BreakerState]:
    """Every provider model the breaker has seen, with its state now. Raises ``redis.RedisError``."""
    with redis_connection(_redis_url(), timeout=1.0) as client:
        keys = sorted(_text(key) for key in client.scan_iter(match=f"{KEY_PREFIX}:*", count=500))
        now = time.time()
        out = []
        for key in keys:
            raw = {_text(k): _text(v) for k, v in client.hgetall(key).items()}
            _, _, provider, model = key.split(":", 3)
            state = raw.get("state", "closed")
            if state == "open" and now >= float(raw.get("open_until", 0)):
                state = "half_open"
            changed = raw.get("changed_at")
            out.append(
                BreakerState(
                    provider=provider,
                    model=model,
                    state=state,
                    opened_total=int(raw.get("opened_total", 0)),
                    closed_total=int(raw.get("closed_total", 0)),
                    changed_at=float(changed) if changed else None,
                )
            )
        return out
