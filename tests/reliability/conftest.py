from __future__ import annotations

import pytest

from tests.support.stack import PrivateRedis, start_stack


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def private_stack(stack_env, private_redis):
    """Start a stack of the test's own (own Redis, custom settings): ``private_stack(name, **env)``."""
    stacks = []

    def start(name: str, *, concurrency: int = 4, threads: int = 64, worker: bool = True, workers: int = 1, **env: str):
        stack = start_stack(
            {**stack_env, "REDIS_URL": private_redis.url, **env},
            name,
            concurrency=concurrency,
            threads=threads,
            worker=worker,
            workers=workers,
        )
        stacks.append(stack)
        return stack

    yield start
    for stack in stacks:
        stack.stop()
