"""The results table (Markdown), each target marked met or missed."""

from __future__ import annotations

from typing import Any

from bench import concurrency_report, loadprofile_report, resilience_report
from bench.formatting import errors_text as _errors
from bench.formatting import mark as _mark
from bench.formatting import ms as _ms
from bench.formatting import seconds as _s


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Run: {m['date']}, mode {results['mode']}, {results.get('seconds', 0):.0f} s. Machine: {m['cpu']}, "
        f"{m['memory']}, Python {m['python']}, `{m['uname']}`; load average before: {m['load_before']}.",
        f"Photos: {', '.join(f'{k} = {v:,} B' for k, v in results.get('photos', {}).items())}.",
        "Database: "
        + ("through PgBouncer (transaction mode)." if results.get("pgbouncer") else "PostgreSQL, no pooler."),
        "",
    ]
    sections = results["scenarios"]
    for name, render_section in (
        ("overhead", _overhead),
        ("concurrency", concurrency_report.concurrency),
        ("throughput", _throughput),
        ("deadline", _deadline),
        ("profile", _profile),
        ("load_profile", loadprofile_report.load_profile),
        ("heavy_tail", resilience_report.heavy_tail),
        ("storm", resilience_report.storm),
    ):
        if name in sections:
            lines += render_section(sections[name]) + [""]
    return "\n".join(lines)


def _overhead(o: dict[str, Any]) -> list[str]:
    latency = o["latency"]
    lines = [
        f"### 1. Overhead (provider latency {latency:g} s; one request every "
        f"{', '.join(f'{v:g} s ({k})' for k, v in o['interval'].items())}, alternating PhotoChanger and direct)",
        "",
        "| photo | system | n (ok) | p50 − provider | p95 − provider | p99 − provider | mean |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, row in o["sizes"].items():
        for system in ("photochanger", "direct"):
            r = row[system]
            lines.append(
                f"| {size} | {system} | {r['n']} ({r['ok']}) | {_ms(r['p50'] - latency)} ms | "
                f"{_ms(r['p95'] - latency)} ms | {_ms(r['p99'] - latency)} ms | {_s(r['mean'])} s |"
            )
        pc, d = row["photochanger"], row["direct"]
        lines.append(
            f"| {size} | **PhotoChanger − direct** | | {_ms(pc['p50'] - d['p50'])} ms | "
            f"{_ms(pc['p95'] - d['p95'])} ms | {_ms(pc['p99'] - d['p99'])} ms | "
            f"ratio p50 {row['ratio_p50']:.3f}, mean {row['ratio_mean']:.3f} |"
        )
    big = o["sizes"].get("5MB")
    if big:
        pc, d = big["photochanger"], big["direct"]
        lines += [
            "",
            f"- Target overhead ≤ 30 ms p50 at 5 MB: PhotoChanger − provider latency {_ms(pc['p50'] - latency)} ms "
            f"{_mark(pc['p50'] - latency <= 0.030)}; PhotoChanger − direct {_ms(pc['p50'] - d['p50'])} ms "
            f"{_mark(pc['p50'] - d['p50'] <= 0.030)}.",
            f"- Target overhead ≤ 100 ms p99 at 5 MB: PhotoChanger − provider latency {_ms(pc['p99'] - latency)} ms "
            f"{_mark(pc['p99'] - latency <= 0.100)}; PhotoChanger − direct {_ms(pc['p99'] - d['p99'])} ms "
            f"{_mark(pc['p99'] - d['p99'] <= 0.100)}.",
        ]
    for size, row in o["sizes"].items():
        lines.append(
            f"- Target ratio ≤ 1.01 at a {latency:g} s provider, {size}: p50 {row['ratio_p50']:.3f} "
            f"{_mark(row['ratio_p50'] <= 1.01)}."
        )
    return lines


def _throughput(t: dict[str, Any]) -> list[str]:
    lines = [
        f"### 3. Throughput (provider latency 0, 1 MB photos, PhotoChanger with {t['workers']} prefork workers)",
        "",
        "| system | booths | requests/s | p50 | CPU cores used: web or direct / workers / stand-in / PostgreSQL "
        "/ whole machine |",
        "|---|---|---|---|---|",
    ]
    best: dict[str, float] = {}
    for key, label in (
        ("photochanger_gemini", "PhotoChanger, Gemini edit"),
        ("direct_gemini", "direct, Gemini edit"),
        ("photochanger_echo", "PhotoChanger, no-op provider (echo)"),
    ):
        for step in t.get(key, []):
            cpu = step["cpu"]
            front = cpu.get("direct", 0) if key.startswith("direct") else cpu.get("web", 0)
            lines.append(
                f"| {label} | {step['clients']} | {step['rps']:.1f} | {_ms(step['p50'])} ms | "
                f"{front:.2f} / {cpu.get('worker', 0):.2f} / {cpu.get('stub', 0):.2f} / "
                f"{cpu.get('postgres', 0):.2f} / {cpu.get('machine', 0):.2f} |"
            )
            best[key] = max(best.get(key, 0.0), step["rps"])
    gemini, direct, echo = (best.get(key, 0.0) for key in ("photochanger_gemini", "direct_gemini", "photochanger_echo"))
    lines += [
        "",
        f"- Target ≥ 100 requests/s at zero provider latency: Gemini edit {gemini:.1f} (direct {direct:.1f}) "
        f"{_mark(gemini >= 100)}; no-op provider {echo:.1f} {_mark(echo >= 100)}.",
    ]
    profile = t.get("cpu_profile", {})
    if "shares" in profile:
        lines += [
            "",
            f"Where the CPU goes (py-spy, {profile['clients']} booths posting 1 MB photos, share of busy "
            "samples per process tree):",
            "",
            "| layer | web | worker |",
            "|---|---|---|",
        ]
        shares = profile["shares"]
        layers = list(dict.fromkeys([*shares.get("web", {}), *shares.get("worker", {})]))
        for layer in layers:
            lines.append(
                f"| {layer} | {shares.get('web', {}).get(layer, 0):.0f} % | "
                f"{shares.get('worker', {}).get(layer, 0):.0f} % |"
            )
    elif profile:
        lines += ["", f"CPU profile skipped: {profile['skipped']}"]
    return lines


def _deadline(d: dict[str, Any]) -> list[str]:
    runs = [(f"a booth every {d['interval']:g} s", d)]
    if "burst" in d:
        runs.append((f"{d['burst']['clients']} booths at once", d["burst"]))
    ok = all(r["n_504"] == r["n"] and abs(r["min"]) <= 0.25 and abs(r["max"]) <= 0.25 for _, r in runs)
    lines = [
        f"### 4. Deadline precision (hanging provider, T_SYNC_RESPONSE = {d['t_sync']:g} s; 504 arrival − "
        f"{d['t_sync']:g} s, measured from the start of the booth's request)",
        "",
        "| arrivals | 504s / sent | min | p50 | p95 | p99 | max | other answers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {label} | {r['n_504']} / {r['n']} | {_ms(r['min'])} ms | {_ms(r['p50'])} ms | {_ms(r['p95'])} ms | "
        f"{_ms(r['p99'])} ms | {_ms(r['max'])} ms | {_errors(r['errors'])} |"
        for label, r in runs
    ]
    return [*lines, "", f"- Target 504 within ±250 ms: {_mark(ok)}."]


def _profile(p: dict[str, Any]) -> list[str]:
    sizes = list(p)
    lines = [
        "### Where the time goes: one booth at a time, provider latency 0 (stage p50, ms; `calls` per request)",
        "",
        "| stage | " + " | ".join(sizes) + " |",
        "|---|" + "---|" * len(sizes),
        "| client round trip | " + " | ".join(_ms(p[s]["client"]["p50"]) for s in sizes) + " |",
    ]
    names = list(dict.fromkeys(name for s in sizes for name in p[s]["stages"]))
    for name in names:
        cells = []
        for s in sizes:
            stage = p[s]["stages"].get(name)
            cells.append(
                "–"
                if stage is None
                else f"{stage['p50']:.1f}" + (f" ({stage['calls']:g} calls)" if stage["calls"] != 1 else "")
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines
