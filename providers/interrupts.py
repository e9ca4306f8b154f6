"""The exceptions a Celery worker raises inside a task to interrupt it (a time limit, a revoke):
whatever catches ``Exception`` around a provider call or a record of it must let them through."""

from __future__ import annotations

# Celery/billiard raise them from a signal handler, possibly in the middle of an HTTP call. They
# subclass Exception, so they are recognised by name: providers stay importable without Celery.
TASK_INTERRUPTS = frozenset({"SoftTimeLimitExceeded", "TimeLimitExceeded", "Terminated", "WorkerLostError"})


def is_task_interrupt(exc: BaseException) -> bool:
    return any(cls.__name__ in TASK_INTERRUPTS for cls in type(exc).__mro__)
