"""How the results tables write figures: seconds, milliseconds, MiB, a target's mark, errors."""

from __future__ import annotations

import math


def ms(seconds: float) -> str:
    return "–" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.0f}"


def seconds(seconds: float) -> str:
    return "–" if seconds is None or math.isnan(seconds) else f"{seconds:.2f}"


def mib(kib: int | None) -> str:
    return "–" if not kib else f"{kib / 1024:,.0f}"


def mark(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def errors_text(errors: dict[str, int]) -> str:
    return "; ".join(f"{n}× {text}" for text, n in errors.items()) or "none"
