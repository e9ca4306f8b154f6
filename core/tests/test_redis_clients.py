"""``core.redis_clients``: every client gets its caller's timeouts and pool size, never redis-py's
defaults (no timeout at all, 100 pooled connections)."""

from __future__ import annotations

import socket

import pytest
import redis

from core.redis_clients import UNBOUNDED_POOL, redis_client, redis_connection


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_client_carries_its_callers_timeouts_and_pool_size():
    client = redis_client("redis://127.0.0.1:6379/0", timeout=3.5, connect_timeout=2, max_connections=UNBOUNDED_POOL)

    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"]) == (3.5, 2)
    assert client.connection_pool.max_connections == UNBOUNDED_POOL


def test_the_connect_timeout_defaults_to_the_call_timeout():
    kwargs = redis_client("redis://127.0.0.1:6379/0", timeout=1.0).connection_pool.connection_kwargs

    assert kwargs["socket_connect_timeout"] == 1.0


def test_a_one_off_connection_answers_from_a_live_redis(settings):
    with redis_connection(settings.REDIS_URL, timeout=1.0) as client:
        assert client.ping() is True


def test_a_one_off_connection_to_a_dead_redis_raises_at_once():
    with (
        pytest.raises(redis.ConnectionError),
        redis_connection(f"redis://127.0.0.1:{_unused_port()}/0", timeout=0.5) as c,
    ):
        c.ping()
