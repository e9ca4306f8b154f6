"""Running a provider's asynchronous call from synchronous code so that an interrupt stops it.

The worker interrupts a task by raising ``SoftTimeLimitExceeded`` from a signal handler in the
main thread (docs/decisions/0004-sigusr1-revoke-and-stray-signals.md). A blocking HTTP read cannot
be stopped that way without leaving the connection open, but a cancelled asyncio task closes its
connections. So the calls run as one task on an event loop in a thread of this process, and the
main thread only waits for it: any exception there (the interrupt) cancels the task and waits until
the cancellation has closed every connection before going on. The loop lives as long as the
process (pooled connections belong to it); a forked child starts its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# How long the main thread waits in one go. The loop thread blocks the worker's signals, so they
# reach the main thread, whose wait they interrupt at once (POSIX lock waits are interruptible);
# this only bounds the delay for a signal another thread took. Each wake-up costs a context switch:
# with hundreds of pool processes waiting on the provider, 0.1 s polls cost ~10 ms of CPU per
# 5-second call (bench/README.md, fleet efficiency).
POLL_SECONDS = 1.0
# Time the cancelled task gets to close its connections (it only has to close sockets).
CANCEL_GRACE_SECONDS = 2.0
_SIGNALS = {getattr(signal, name) for name in ("SIGUSR1", "SIGUSR2", "SIGTERM", "SIGINT") if hasattr(signal, name)}

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0


def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    # Signals go to the main thread, where the worker's handlers raise into the waiting code.
    signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    loop.run_forever()


def event_loop() -> asyncio.AbstractEventLoop:
    """This process's loop thread, started on first use (and again in a forked child)."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            threading.Thread(target=_serve, args=(loop, ready), name="provider-calls", daemon=True).start()
            ready.wait()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on the loop thread and return its result. An exception raised in the
    waiting thread (an interrupt) cancels it; the exception goes on once the task has ended."""
    finished = threading.Event()

    async def guarded() -> T:
        try:
            return await coroutine
        finally:
            finished.set()

    future = asyncio.run_coroutine_threadsafe(guarded(), event_loop())
    try:
        while True:
            try:
                return future.result(timeout=POLL_SECONDS)
            except concurrent.futures.TimeoutError:
                continue
    except BaseException:
        future.cancel()  # cancels the task on the loop: its HTTP connections are closed
        _wait_shielded(finished)
        raise


def _wait_shielded(finished: threading.Event) -> None:
    """Wait for the cancelled task to end, even through a second interrupt (it is cleanup)."""
    for _ in range(3):
        try:
            finished.wait(CANCEL_GRACE_SECONDS)
            return
        except BaseException:  # noqa: BLE001,S112 - a repeated interrupt must not skip the cleanup
            continue
