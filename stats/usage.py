"""Token counts out of a provider's usage metadata, whatever its spelling.

Gemini reports ``usageMetadata`` (the SDK gives it to us snake_cased): ``prompt_token_count`` is
the input (text and images); ``candidates_token_count`` plus ``thoughts_token_count`` is billed
as output. Other providers may say ``input_tokens`` / ``output_tokens``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INPUT_KEYS = ("prompt_token_count", "promptTokenCount", "input_tokens")
OUTPUT_KEYS = (
    ("candidates_token_count", "candidatesTokenCount", "output_tokens"),
    ("thoughts_token_count", "thoughtsTokenCount"),
)
TOTAL_KEYS = ("total_token_count", "totalTokenCount", "total_tokens")


@dataclass(frozen=True)
class Tokens:
    input: int | None = None
    output: int | None = None
    total: int | None = None


def _count(usage: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = usage.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and value >= 0:
            return value
        if isinstance(value, float) and value >= 0 and value.is_integer():
            return int(value)
    return None


def usage_tokens(usage: Mapping[str, Any] | None) -> Tokens:
    if not usage:
        return Tokens()
    input_tokens = _count(usage, INPUT_KEYS)
    outputs = [count for keys in OUTPUT_KEYS if (count := _count(usage, keys)) is not None]
    output_tokens = sum(outputs) if outputs else None
    total = _count(usage, TOTAL_KEYS)
    if total is None and (input_tokens is not None or output_tokens is not None):
        total = (input_tokens or 0) + (output_tokens or 0)
    return Tokens(input=input_tokens, output=output_tokens, total=total)
