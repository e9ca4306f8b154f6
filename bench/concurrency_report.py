"""The concurrency scenario's table: latency, memory and CPU per photo at each number of booths in
flight, PhotoChanger beside the direct baseline, and the fleet-efficiency targets at 200."""

from __future__ import annotations

from typing import Any

from bench.formatting import errors_text as _errors
from bench.formatting import mark as _mark
from bench.formatting import mib as _mib
from bench.formatting import seconds as _s

# At 200 in flight (bench/README.md, "Fleet efficiency").
P50_RATIO, P99_RATIO, WORKER_PSS_GIB = 1.3, 1.5, 3.5


def _cpu_ms(level: dict[str, Any]) -> str:
    """CPU per photo (ms): web or direct / worker fleet / PostgreSQL (+ PgBouncer) / whole machine."""
    cpu, photos = level.get("cpu", {}), max(1, level["n"])
    ms = {role: 1000 * cores * level["wall"] / photos for role, cores in cpu.items()}
    front = ms.get("direct" if level["system"] == "direct" else "web", 0)
    database = ms.get("postgres", 0) + ms.get("pgbouncer", 0)
    workers = f"{ms.get('worker', 0):.0f}" if level["system"] != "direct" else "–"
    return f"{front:.0f} / {workers} / {database:.0f} / {ms.get('machine', 0):.0f}"


def concurrency(c: dict[str, Any]) -> list[str]:
    instances = c.get("instances", 1)
    lines = [
        f"### 2. Concurrency (provider latency {c['latency']:g} s, {c['photo']} photos, {c['rounds']} round(s) per "
        f"booth, PhotoChanger: {c['workers']} prefork workers in {instances} worker instance(s), 2 web processes × "
        f"{c['web_threads']} threads, {c['slots']} slots)",
        "",
        f"Idle: worker RSS {_mib(c['idle_rss_kib'].get('worker'))} MiB / PSS {_mib(c['idle_pss_kib'].get('worker'))} "
        f"MiB, web RSS {_mib(c['idle_rss_kib'].get('web'))} MiB / PSS {_mib(c['idle_pss_kib'].get('web'))} MiB.",
        "",
        "| in flight | system | ok / sent | p50 | p95 | p99 | max | peak RSS (PSS) web or direct, MiB "
        "| peak RSS (PSS) workers, MiB | CPU ms per photo: web or direct / workers / database / machine "
        "| jobs per worker instance | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_level: dict[int, dict[str, dict[str, Any]]] = {}
    for level in c["levels"]:
        by_level.setdefault(level["in_flight"], {})[level["system"]] = level
        front = "direct" if level["system"] == "direct" else "web"
        rss, pss = level["rss_kib"], level["pss_kib"]
        workers = f"{_mib(rss.get('worker'))} ({_mib(pss.get('worker'))})" if level["system"] != "direct" else "–"
        shared = level.get("jobs_per_worker", {}) if level["system"] != "direct" else {}
        lines.append(
            f"| {level['in_flight']} | {level['system']} | {level['ok']} / {level['n']} | "
            f"{_s(level['p50'])} s | {_s(level['p95'])} s | {_s(level['p99'])} s | {_s(level['max'])} s | "
            f"{_mib(rss.get(front))} ({_mib(pss.get(front))}) | {workers} | {_cpu_ms(level)} | "
            f"{' / '.join(str(n) for n in shared.values()) or '–'} | {_errors(level['errors'])} |"
        )
    return lines + [""] + _targets(by_level.get(200))


def _targets(at_200: dict[str, dict[str, Any]] | None) -> list[str]:
    if not at_200 or "photochanger" not in at_200:
        return ["- Targets at 200 in flight: not measured in this run (`--quick`)."]
    ours, direct = at_200["photochanger"], at_200.get("direct")
    lines = [f"- Target 200 in flight with 0 errors: {_mark(ours['ok'] == ours['n'])}."]
    if direct:
        p50, p99 = ours["p50"] / direct["p50"], ours["p99"] / direct["p99"]
        lines += [
            f"- Target p50 ≤ {P50_RATIO} × direct at 200 in flight: {p50:.2f} × {_mark(p50 <= P50_RATIO)}.",
            f"- Target p99 ≤ {P99_RATIO} × direct at 200 in flight: {p99:.2f} × {_mark(p99 <= P99_RATIO)}.",
        ]
    pss = ours["pss_kib"].get("worker", 0) / (1 << 20)
    mark = _mark(pss <= WORKER_PSS_GIB)
    lines.append(f"- Target worker PSS ≤ {WORKER_PSS_GIB} GiB at 200 in flight: {pss:.2f} GiB {mark}.")
    return lines
