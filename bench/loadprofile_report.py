"""The load profile's tables: core-seconds per request by process tree, and py-spy's layer shares."""

from __future__ import annotations

from typing import Any

ROLES = (
    ("web", "web (gunicorn)"),
    ("direct", "direct baseline"),
    ("worker parent", "worker parents (prefork masters)"),
    ("worker pool", "worker pool processes"),
    ("stub", "stand-in Gemini server"),
    ("postgres", "PostgreSQL"),
    ("pgbouncer", "PgBouncer"),
    ("redis", "Redis"),
    ("client", "measuring client"),
    ("machine", "whole machine"),
)


def load_profile(p: dict[str, Any]) -> list[str]:
    systems = p["systems"]
    names = list(systems)
    lines = [
        f"### Load profile: {p['in_flight']} booths in flight, one photo each, provider latency "
        f"{p['latency']:g} s (py-spy at {p['rate']} Hz on every process; its own run)",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
        "| p50 / p99 | " + " | ".join(f"{systems[n]['p50']:.2f} / {systems[n]['p99']:.2f} s" for n in names) + " |",
    ]
    cells = [_pss(systems[n].get("pss_kib", {})) for n in names]
    lines.append("| peak PSS: web or direct / workers, MiB | " + " | ".join(cells) + " |")
    for role, label in ROLES:
        cells = [_cpu_ms(systems[n]["cpu_per_request"], role) for n in names]
        if any(cell != "–" for cell in cells):
            lines.append(f"| {label}, CPU ms per photo | " + " | ".join(cells) + " |")
    parts = list(dict.fromkeys(part for n in names for part in systems[n]["shares"]))
    if parts:
        every = [layer for n in names for shares in systems[n]["shares"].values() for layer in shares]
        layers = [layer for layer in dict.fromkeys(every) if layer != "samples"]
        lines += ["", "Where each process tree's CPU goes (py-spy, share of busy samples):", ""]
        lines += ["| layer | " + " | ".join(parts) + " |", "|---|" + "---|" * len(parts)]
        merged = {part: next(s["shares"][part] for s in systems.values() if part in s["shares"]) for part in parts}
        for layer in layers:
            lines.append(f"| {layer} | " + " | ".join(f"{merged[part].get(layer, 0):.0f} %" for part in parts) + " |")
        lines.append("| samples | " + " | ".join(f"{merged[part]['samples']:,.0f}" for part in parts) + " |")
    return lines


def _cpu_ms(cpu: dict[str, float], role: str) -> str:
    if role == "worker pool" and "worker" in cpu:
        return f"{1000 * (cpu['worker'] - cpu.get('worker parent', 0)):.0f}"
    return f"{1000 * cpu[role]:.0f}" if role in cpu else "–"


def _pss(peaks: dict[str, int]) -> str:
    front = peaks.get("web") or peaks.get("direct") or 0
    return f"{front / 1024:,.0f} / {peaks.get('worker', 0) / 1024:,.0f}"
