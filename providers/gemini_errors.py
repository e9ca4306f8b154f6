"""Turning google-genai exceptions and responses into our typed provider errors.

SDK exception objects hold httpx responses and do not survive Celery's pickling, so nothing from
the SDK may escape ``GeminiProvider.process``: every failure becomes a ``ProviderError`` subclass
whose message is a plain string.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic
from google.genai import errors as genai_errors

from providers.base import (
    ProviderError,
    ProviderPermanent,
    ProviderQuota,
    ProviderRefused,
    ProviderTimeout,
    ProviderTransient,
)

logger = logging.getLogger("providers.gemini")


def _transport_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(timeout classes, all transport classes) of whichever httpx flavour the SDK uses.

    google-genai 3.x prefers the ``httpx2`` fork and falls back to ``httpx``; either may be absent.
    """
    timeouts: list[type[BaseException]] = []
    transport: list[type[BaseException]] = []
    for module_name in ("httpx2", "httpx"):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        transport.append(module.TransportError)
    return tuple(timeouts), tuple(transport)


TIMEOUT_ERRORS, TRANSPORT_ERRORS = _transport_errors()

# 408 and 5xx (but 501 Not Implemented) can succeed on a later attempt; other 4xx cannot.
TRANSIENT_STATUS = frozenset({408, 500, 502, 503, 504})

# Finish/block reasons that mean "the model will not produce this image": a content decision.
REFUSAL_REASONS = frozenset(
    {
        "SAFETY",
        "PROHIBITED_CONTENT",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "RECITATION",
        "IMAGE_RECITATION",
        "IMAGE_OTHER",
        "NO_IMAGE",
        "OTHER",
        "LANGUAGE",
        "MODEL_ARMOR",
        "JAILBREAK",
    }
)

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)s\s*\Z")
MAX_MESSAGE_CHARS = 300


def parse_retry_delay(details: Any) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` detail (``"retryDelay": "22s"``), if present."""
    if isinstance(details, Mapping):  # the whole error body, {"error": {..., "details": [...]}}
        inner = details.get("error", details)
        details = inner.get("details") if isinstance(inner, Mapping) else None
    if not isinstance(details, list):
        return None
    for entry in details:
        if not isinstance(entry, Mapping) or not str(entry.get("@type", "")).endswith("RetryInfo"):
            continue
        delay = entry.get("retryDelay")
        if isinstance(delay, str) and (match := _DURATION.match(delay)):
            return float(match.group(1))
        if isinstance(delay, Mapping):  # proto-JSON object form {"seconds": .., "nanos": ..}
            try:
                return float(delay.get("seconds", 0)) + float(delay.get("nanos", 0)) / 1e9
            except (TypeError, ValueError):
                return None
    return None


def _short(value: Any) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def map_exception(exc: BaseException, *, model: str, attempts: int, timeout: float) -> ProviderError:
    """The typed error for one failed attempt (the caller raises it ``from None``)."""
    if isinstance(exc, ProviderError):
        exc.model, exc.attempts = model, attempts
        return exc
    if isinstance(exc, genai_errors.APIError):
        code = int(exc.code or 0)
        text = f"Gemini {code} {exc.status or ''}: {_short(exc.message)}".replace("  ", " ")
        if code == 429:
            retry_after = parse_retry_delay(exc.details)
            return ProviderQuota(text, retry_after=retry_after, attempts=attempts, model=model)
        if code in TRANSIENT_STATUS or (code >= 500 and code != 501):
            return ProviderTransient(text, attempts=attempts, model=model)
        return ProviderPermanent(text, attempts=attempts, model=model)
    if isinstance(exc, (*TIMEOUT_ERRORS, TimeoutError)):  # TimeoutError: the attempt's own bound
        return ProviderTimeout(
            f"Gemini did not answer within {timeout:.1f} s ({type(exc).__name__})",
            attempts=attempts,
            model=model,
        )
    if isinstance(exc, TRANSPORT_ERRORS):
        return ProviderTransient(
            f"Gemini connection failed: {type(exc).__name__}: {_short(exc)}", attempts=attempts, model=model
        )
    if isinstance(exc, (json.JSONDecodeError, pydantic.ValidationError)):
        # A 200 whose body is not a GenerateContentResponse: a proxy or server glitch, retry.
        return ProviderTransient(
            f"Gemini returned an unparseable response: {type(exc).__name__}", attempts=attempts, model=model
        )
    logger.error("Unexpected error from the Gemini client", exc_info=exc)
    return ProviderPermanent(
        f"Unexpected Gemini client error: {type(exc).__name__}: {_short(exc)}", attempts=attempts, model=model
    )


def _enum_name(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


@dataclass
class Answer:
    """The useful part of a GenerateContentResponse."""

    data: bytes
    mime_type: str
    usage: dict[str, Any] = field(default_factory=dict)


def read_response(response: Any, *, model: str, attempts: int) -> Answer:
    """Pick the image out of a response, or raise ``ProviderRefused`` / ``ProviderTransient``.

    Text parts are logged, never returned: they are the model's commentary, not the product.
    """
    feedback = getattr(response, "prompt_feedback", None)
    block = _enum_name(getattr(feedback, "block_reason", None))
    if block and block != "BLOCKED_REASON_UNSPECIFIED":
        message = _short(getattr(feedback, "block_reason_message", "") or "")
        raise ProviderRefused(
            f"Gemini blocked the prompt: {block}" + (f" ({message})" if message else ""),
            attempts=attempts,
            model=model,
        )
    candidates = getattr(response, "candidates", None) or []
    if not candidates:
        raise ProviderRefused("no_image: Gemini returned no candidates", attempts=attempts, model=model)
    candidate = candidates[0]
    reason = _enum_name(candidate.finish_reason)
    parts = list(getattr(candidate.content, "parts", None) or [])
    texts = [part.text for part in parts if part.text and not part.thought]
    if texts:
        logger.info("Gemini %s said: %s", model, _short(" ".join(texts)))
    if reason in REFUSAL_REASONS:
        message = _short(getattr(candidate, "finish_message", "") or "")
        raise ProviderRefused(
            f"Gemini refused to produce an image: {reason}" + (f" ({message})" if message else ""),
            attempts=attempts,
            model=model,
        )
    images = [part for part in parts if part.inline_data is not None and part.inline_data.data]
    # Thinking models may attach draft images marked as thoughts; the answer is a non-thought part.
    final = [part for part in images if not part.thought] or images
    if not final:
        said = f": {_short(' '.join(texts))}" if texts else ""
        raise ProviderRefused(
            f"no_image: Gemini answered without an image (finish reason {reason or 'none'}){said}",
            attempts=attempts,
            model=model,
        )
    blob = final[0].inline_data
    usage_meta = getattr(response, "usage_metadata", None)
    usage = usage_meta.model_dump(mode="json", exclude_none=True) if usage_meta is not None else {}
    return Answer(bytes(blob.data), blob.mime_type or "image/png", usage)


# An answer of every shape the SDK parses (image, text, refusal, usage), for ``GeminiProvider.warm``.
WARM_RESPONSE = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [{"text": "warm"}, {"inlineData": {"mimeType": "image/png", "data": "d2FybQ=="}}],
            },
            "finishReason": "STOP",
            "index": 0,
        }
    ],
    "promptFeedback": {"blockReason": "SAFETY"},
    "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
    "modelVersion": "gemini-2.5-flash-image",
    "responseId": "warm",
}
