"""The circuit breaker a provider consults before each call (docs/spec.md, "Provider resilience").

Providers stay free of any store: the worker injects an implementation shared by the whole fleet
(``jobs/breaker.py``, on Redis) through ``ProviderRequest.circuit``. The policy, per provider and
model: ``failures`` transient failures (5xx, timeouts, quota) within ``window`` seconds with no
success between open the model for ``cooldown`` seconds; calls skip it meanwhile. After the
cool-down one call at a time may probe it (half-open): a success closes it, a failure opens it
for another cool-down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class BreakerPolicy:
    failures: int
    window: float
    cooldown: float

    @property
    def enabled(self) -> bool:
        return self.failures > 0


class CircuitBreaker(Protocol):
    def allow(self, provider: str, model: str, *, lease: float) -> bool:
        """Whether a call may go to the model now. In the half-open state one caller is let
        through (the probe) and holds the model for ``lease`` seconds or until it reports."""
        ...

    def success(self, provider: str, model: str) -> None: ...

    def failure(self, provider: str, model: str) -> None:
        """A transient failure (5xx, timeout, quota); permanent errors and refusals are neither."""
        ...
