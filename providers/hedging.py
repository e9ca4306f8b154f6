"""Hedged calls: when the first call has not answered after ``hedge_after`` seconds, a second one
starts beside it; the first usable answer wins and the other call is cancelled (its connection
closed). At most two calls are in flight. Provider-neutral: a leg is any coroutine that returns an
answer or raises a ``ProviderError``; the caller decides what the second leg is.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from providers.base import ProviderError

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """How a race ended: the winner's answer (or the error that ended the job), and the legs
    that did not give it, with how each ended (``abandoned`` = cancelled after the other won)."""

    answer: T | None = None
    error: ProviderError | None = None
    hedged: bool = False
    losers: list[tuple[str, float, ProviderError | None]] = field(default_factory=list)
    winner: str = "first"


async def race(
    first: Callable[[], Awaitable[T]],
    second: Callable[[], Awaitable[T]] | None,
    *,
    hedge_after: float | None,
    deadline: float,
) -> Outcome[T]:
    """Run ``first``; start ``second`` once ``first`` has run ``hedge_after`` seconds unanswered
    (never without ``hedge_after`` or past ``deadline``, a ``time.time()`` timestamp)."""
    outcome: Outcome[T] = Outcome()
    started = {"first": time.monotonic()}
    tasks = {"first": asyncio.ensure_future(first())}
    try:
        if second is not None and hedge_after is not None and deadline - time.time() > hedge_after:
            done, _ = await asyncio.wait([tasks["first"]], timeout=hedge_after)
            if not done:
                outcome.hedged = True
                started["second"] = time.monotonic()
                tasks["second"] = asyncio.ensure_future(second())
        pending = set(tasks.values())
        errors: dict[str, ProviderError] = {}
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for name, task in tasks.items():
                if task not in done or name in errors:
                    continue
                exc = task.exception()
                if exc is None:
                    outcome.answer, outcome.winner = task.result(), name
                    break
                if not isinstance(exc, ProviderError):
                    raise exc
                errors[name] = exc
            if outcome.answer is not None:
                break
        for name in tasks:
            if name == outcome.winner and outcome.answer is not None:
                continue
            elapsed = time.monotonic() - started[name]
            outcome.losers.append((name, elapsed, errors.get(name)))
        if outcome.answer is None:
            # Both failed: the first leg's error speaks for the job unless only the second one ran long.
            outcome.error = errors.get("first") or errors.get("second")
            outcome.losers = [loser for loser in outcome.losers if loser[2] is not outcome.error]
        return outcome
    finally:
        await _cancel_all(tasks.values())


async def _cancel_all(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel what still runs and wait for it: a cancelled HTTP call closes its connection."""
    running = [task for task in tasks if not task.done()]
    for task in running:
        task.cancel()
    if running:
        await asyncio.gather(*running, return_exceptions=True)
