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
