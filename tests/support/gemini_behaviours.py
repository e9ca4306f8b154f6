"""How the stand-in Gemini server (``tests.support.gemini_stub``) answers one request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Behaviour:
    """How to answer one request. Build them with the helper functions below."""

    kind: str  # ok | error | blocked | finish | text | malformed
    latency: float = 0.0
    status: int = 200
    message: str = ""
    retry_delay: float | None = None
    output_size: tuple[int, int] | None = None
    usage: dict[str, int] | None = None
    text: str | None = None
    reason: str = ""


def ok(
    *,
    latency: float = 0.0,
    output_size: tuple[int, int] | None = None,
    usage: dict[str, int] | None = None,
    text: str | None = None,
) -> Behaviour:
    """Answer with the inverted photo (resized to ``output_size``), after ``latency`` seconds."""
    return Behaviour("ok", latency=latency, output_size=output_size, usage=usage, text=text)


def hang(seconds: float) -> Behaviour:
    """Hold the request ``seconds`` (other requests are served meanwhile), then answer ok."""
    return ok(latency=seconds)


def error(status: int, message: str = "", *, retry_delay: float | None = None, latency: float = 0.0) -> Behaviour:
    """Google's error body; ``retry_delay`` adds a ``google.rpc.RetryInfo`` detail (seconds)."""
    return Behaviour(
        "error", latency=latency, status=status, message=message or f"Stub error {status}", retry_delay=retry_delay
    )


def blocked(reason: str = "SAFETY") -> Behaviour:
    """``promptFeedback.blockReason`` set and no candidates, as for a blocked prompt."""
    return Behaviour("blocked", reason=reason)


def finish(reason: str = "IMAGE_SAFETY", text: str | None = None) -> Behaviour:
    """A candidate with this ``finishReason`` and no image (optionally a text part)."""
    return Behaviour("finish", reason=reason, text=text)


def text_only(text: str = "I can't make that picture, but here is a poem instead.") -> Behaviour:
    return Behaviour("text", text=text)


def malformed() -> Behaviour:
    """HTTP 200 with a body that is not JSON."""
    return Behaviour("malformed")


@dataclass(frozen=True)
class Mix(Behaviour):
    """One of several behaviours per request, by share (the shares need not sum to 1)."""

    choices: tuple[tuple[float, Behaviour], ...] = ()


@dataclass(frozen=True)
class Storm(Behaviour):
    """``during`` between two ``time.time()`` instants, ``otherwise`` before and after."""

    during: Behaviour | None = None
    otherwise: Behaviour | None = None
    starts_at: float = 0.0
    ends_at: float = 0.0


def mix(*choices: tuple[float, Behaviour]) -> Behaviour:
    """A latency distribution or a refusal share, e.g. ``mix((0.85, ok(latency=8)),
    (0.10, ok(latency=30)), (0.05, hang(600)))`` or ``mix((0.1, finish()), (0.9, ok()))``."""
    if not choices or any(share < 0 for share, _ in choices) or sum(share for share, _ in choices) <= 0:
        raise ValueError("mix() needs behaviours with positive shares")
    return Mix("mix", choices=tuple(choices))


def storm(
    during: Behaviour, *, seconds: float, otherwise: Behaviour | None = None, starting_in: float = 0.0
) -> Behaviour:
    """``during`` (e.g. ``error(503)``) for ``seconds`` from ``starting_in`` seconds from now."""
    import time

    starts = time.time() + starting_in
    return Storm("storm", during=during, otherwise=otherwise or ok(), starts_at=starts, ends_at=starts + seconds)


def resolve(behaviour: Behaviour, *, now: float, draw: float) -> Behaviour:
    """The plain behaviour a composite one stands for at ``now``; ``draw`` is uniform in [0, 1)."""
    if isinstance(behaviour, Storm):
        inner = behaviour.during if behaviour.starts_at <= now < behaviour.ends_at else behaviour.otherwise
        return resolve(inner or ok(), now=now, draw=draw)
    if isinstance(behaviour, Mix):
        total = sum(share for share, _ in behaviour.choices)
        point = draw * total
        for share, choice in behaviour.choices:
            if point < share:
                return resolve(choice, now=now, draw=(point / share) if share else 0.0)
            point -= share
        return resolve(behaviour.choices[-1][1], now=now, draw=draw)
    return behaviour
