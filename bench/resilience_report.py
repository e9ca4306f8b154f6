"""The provider-resilience tables (bench/resilience.py), each target marked met or missed."""

from __future__ import annotations

import math
from typing import Any


def _s(seconds: float) -> str:
    return "–" if seconds is None or math.isnan(seconds) else f"{seconds:.1f} s"


def _pct(share: float) -> str:
    return "–" if share is None or math.isnan(share) else f"{share * 100:.1f} %"


def _mark(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def _errors(errors: dict[str, int]) -> str:
    return "; ".join(f"{n}× {text}" for text, n in errors.items()) or "none"


def heavy_tail(r: dict[str, Any]) -> list[str]:
    lines = [
        f"### Provider resilience: heavy tail ({r['seconds'] / 60:.0f} min; primary 85 % 8 s / 10 % 30 s / "
        f"5 % hang, fallback model 12 s; each variant a photo every 2 s from 10 booths, interleaved; "
        f"T_SYNC_RESPONSE {r['t_sync']:g} s)",
        "",
        "| variant | n | answered 200 in time | p50 | p95 | p99 | provider calls | extra calls "
        "| calls closed unanswered |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for variant, label in (
        ("sequential", "sequential fallback (today)"),
        ("hedged", f"hedge_after = {r['hedge_after']:g} s"),
    ):
        v = r[variant]
        lines.append(
            f"| {label} | {v['n']} | {_pct(v['ok_share'])} | {_s(v['p50'])} | {_s(v['p95'])} | {_s(v['p99'])} | "
            f"{v['calls']} | {_pct(v['extra_calls'])} | {v['abandoned']} |"
        )
    h = r["hedged"]
    lines += [
        "",
        f"Targets (hedged): ≥ 99.5 % answered: {_mark(h['ok_share'] >= 0.995)}; p99 ≤ 35 s: "
        f"{_mark(h['p99'] <= 35)}; ≤ 20 % extra calls: {_mark(h['extra_calls'] <= 0.20)}.",
        f"Not answered: sequential {_errors(r['sequential']['errors'])}; hedged {_errors(h['errors'])}.",
    ]
    return lines


def storm(r: dict[str, Any]) -> list[str]:
    lines = [
        f"### Provider resilience: 503 storm (primary answers 503 after {r['error_latency']:g} s for "
        f"{r['storm'] / 60:.0f} min, {r['calm']:g} s calm before and after; fallback model 12 s; each variant a "
        "photo every 2 s from 10 booths, two stacks side by side)",
        "",
        "| variant | phase | n | answered 200 in time | p50 | p95 | max |",
        "|---|---|---|---|---|---|---|",
    ]
    for variant, label in (("breaker", "with breaker (5 / 60 s / 30 s)"), ("no_breaker", "without breaker")):
        v = r[variant]
        phases = ["before", "during", "after"] + (["after_open"] if "after_open" in v else [])
        for phase in phases:
            p = v[phase]
            name = {"after_open": "storm, after it opened"}.get(phase, phase)
            lines.append(
                f"| {label} | {name} | {p['n']} | {_pct(p['ok_share'])} | {_s(p['p50'])} | {_s(p['p95'])} | "
                f"{_s(p['max'])} |"
            )
    b, n = r["breaker"], r["no_breaker"]
    cooldowns = math.ceil(r["storm"] / 30)
    allowed = 5 + cooldowns
    lines += [
        "",
        f"Calls the broken model answered with 503: with breaker {b['primary_failures']}, without "
        f"{n['primary_failures']}. Breaker events (seconds into the run): "
        + (", ".join(f"{event} {at:g}" for event, at in r["breaker_events"]) or "none")
        + ".",
        f"Targets (with breaker): answers within the fallback's latency + 1 s after it opened: "
        f"{_pct(b.get('after_open_within', float('nan')))} of requests "
        f"({_mark(b.get('after_open_within', 0) >= 0.9)}, the rest are the probe calls, one per cool-down); "
        f"≤ failures + one probe per cool-down ({allowed}) reach the broken model: "
        f"{_mark(b['primary_failures'] <= allowed)}"
        + (
            f" ({b['failures_in_flight_at_open']} calls were already on their way when it opened; calls sent "
            f"after it opened: {b['failures_sent_after_open']}, for {cooldowns} cool-downs: "
            f"{_mark(b['failures_sent_after_open'] <= cooldowns)})."
            if "failures_sent_after_open" in b
            else "."
        ),
    ]
    return lines
