"""Where each core-second goes with 200 booths in flight: the concurrency scenario's load, once for
PhotoChanger and once for the direct baseline, with the CPU of every process tree counted from
``/proc`` (the worker's parent apart from its pool processes, PostgreSQL, Redis, the stand-in) and
py-spy sampling web, worker and direct at a low rate. A run of its own: sampling 200 processes
costs CPU, so its latencies are not the concurrency scenario's figures."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import cpuprofile
from bench.context import STUB_OUTPUT, Context, fleet, ok_rate, warm
from bench.load import closed_loop, summary
from bench.procs import CpuMeter, MemorySampler

# py-spy samples each process this many times a second (200 pool processes at 100 Hz would take a
# core of their own).
RATE = 20


def load_profile(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    level = max(plan.concurrency_levels)
    stack = ctx.stack(
        "load-profile",
        worker_concurrency=plan.concurrency_workers,
        web_threads=plan.concurrency_web_threads,
        direct=True,
        direct_threads=level + 16,
        worker_instances=plan.concurrency_instances,
    )
    photo = ctx.photos[plan.concurrency_photo]
    systems = {
        "photochanger": fleet(stack, ctx.gemini_slots),
        "direct": [(stack.direct_url(), ctx.gemini_slots[0]["password"])],
    }
    out: dict[str, Any] = {"in_flight": level, "latency": plan.concurrency_latency, "rate": RATE, "systems": {}}
    try:
        for targets in systems.values():
            warm(ctx, targets, clients=min(plan.concurrency_levels), size=plan.concurrency_photo)
        ctx.stub.command(f"ok {plan.concurrency_latency:g} {STUB_OUTPUT}")
        roots = stack.roots()
        sampler = MemorySampler(roots, interval=0.5, pss_every=1).start()
        for system, targets in systems.items():
            sampled = (
                {"direct": roots["direct"]}
                if system == "direct"
                else {role: pid for role, pid in roots.items() if role != "direct"}
            )
            running = cpuprofile.record(sampled, 120, ctx.logs, rate=RATE) if cpuprofile.available() else {}
            time.sleep(2.0)  # py-spy attaches to every process
            sampler.reset()
            meter = CpuMeter(ctx.roots(stack))
            started = time.monotonic()
            samples = closed_loop(targets, photo, clients=level, requests_per_client=1)
            wall = time.monotonic() - started
            cpu = meter.read()
            for process in running.values():
                process.send_signal(2)  # py-spy writes what it has on SIGINT
            out["systems"][system] = {
                **summary(samples),
                "ok_rate": ok_rate(samples),
                "wall": wall,
                "requests": len(samples),
                # Core-seconds per request: cores used on average x wall time / requests.
                "cpu_per_request": {role: cores * wall / len(samples) for role, cores in cpu.items()},
                "shares": _split_shares(running, ctx.logs),
                "pss_kib": sampler.peaks().pss_kib,
            }
        sampler.stop()
    finally:
        stack.stop()
    return out


def _split_shares(running: dict[str, Any], logs: Path) -> dict[str, dict[str, float]]:
    """Layer shares per sampled role; the worker's parent and its pool processes apart."""
    shares: dict[str, dict[str, float]] = {}
    for role, process in running.items():
        process.wait(timeout=60)
        path = logs / f"pyspy-{role}.txt"
        if not path.exists():
            continue
        parts: dict[str, Counter[str]] = {}
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = stack.split(";")
            depth = sum(frame.startswith("process ") for frame in frames)
            part = role if not role.startswith("worker") else ("worker parent" if depth <= 1 else "worker pool")
            parts.setdefault(part, Counter())[cpuprofile.bucket(frames)] += int(count)
        for part, counts in parts.items():
            total = sum(counts.values()) or 1
            shares[part] = {name: 100 * n / total for name, n in counts.most_common()}
            shares[part]["samples"] = total
    return shares
