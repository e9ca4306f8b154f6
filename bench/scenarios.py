"""The four measured scenarios. Each starts the stack it needs (a setting that differs means a
fresh stack) and returns plain data for the report."""

from __future__ import annotations

import time
from typing import Any

from bench import cpuprofile
from bench.context import STUB_OUTPUT, Context, Target, errors, fleet, ok_rate, warm
from bench.load import Sample, closed_loop, paced, percentile, summary
from bench.procs import CpuMeter, MemorySampler
from bench.stack import Stack


def overhead(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    stack = ctx.stack("overhead", direct=True)
    try:
        photochanger = fleet(stack, ctx.gemini_slots[:1])[0]
        direct = (stack.direct_url(), ctx.gemini_slots[0]["password"])
        for target in (photochanger, direct):
            warm(ctx, [target], clients=4, rounds=2)
        ctx.stub.command(f"ok {plan.overhead_latency:g} {STUB_OUTPUT}")
        meter = CpuMeter(ctx.roots(stack))
        results = {
            size: paced(
                [photochanger, direct],
                ctx.photos[size],
                per_target=plan.overhead_requests,
                interval=plan.overhead_interval[size],
            )
            for size in ("1MB", "5MB")
        }
        cpu = meter.read()
    finally:
        stack.stop()
    out: dict[str, Any] = {
        "latency": plan.overhead_latency,
        "interval": plan.overhead_interval,
        "cpu": cpu,
        "sizes": {},
    }
    for size, (pc_samples, direct_samples) in results.items():
        pc, base = summary(pc_samples), summary(direct_samples)
        out["sizes"][size] = {
            "photochanger": {**pc, "errors": errors(pc_samples)},
            "direct": {**base, "errors": errors(direct_samples)},
            "ratio_p50": pc["p50"] / base["p50"],
            "ratio_mean": pc["mean"] / base["mean"],
        }
    return out


# -- 2. concurrency ------------------------------------------------------------------------------


def concurrency(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    stack = ctx.stack(
        "concurrency",
        worker_concurrency=plan.concurrency_workers,
        worker_instances=plan.concurrency_instances,
        web_threads=plan.concurrency_web_threads,
        direct=True,
        direct_threads=max(plan.concurrency_levels) + 16,
    )
    sampler = MemorySampler(stack.roots()).start()
    photo = ctx.photos[plan.concurrency_photo]
    systems = {
        "photochanger": fleet(stack, ctx.gemini_slots),
        "direct": [(stack.direct_url(), ctx.gemini_slots[0]["password"])],
    }
    levels = []
    try:
        time.sleep(1.5)  # a PSS sample of the idle stack
        idle = sampler.peaks()
        for targets in systems.values():
            warm(ctx, targets, clients=min(plan.concurrency_levels), size=plan.concurrency_photo)
        ctx.stub.command(f"ok {plan.concurrency_latency:g} {STUB_OUTPUT}")
        for level in plan.concurrency_levels:
            for system, targets in systems.items():
                ran_before = stack.jobs_per_worker()
                sampler.reset()
                meter = CpuMeter(ctx.roots(stack))
                started = time.monotonic()
                samples = closed_loop(targets, photo, clients=level, requests_per_client=plan.concurrency_rounds)
                wall = time.monotonic() - started
                peaks = sampler.peaks()
                levels.append(
                    {
                        "system": system,
                        "in_flight": level,
                        **summary(samples),
                        "ok_rate": ok_rate(samples),
                        "errors": errors(samples),
                        "wall": wall,
                        "rss_kib": peaks.rss_kib,
                        "pss_kib": peaks.pss_kib,
                        "processes": peaks.processes,
                        "cpu": meter.read(),
                        "jobs_per_worker": {
                            name: n - ran_before.get(name, 0) for name, n in stack.jobs_per_worker().items()
                        },
                    }
                )
    finally:
        sampler.stop()
        stack.stop()
    return {
        "latency": plan.concurrency_latency,
        "workers": plan.concurrency_workers,
        "instances": plan.concurrency_instances,
        "photo": plan.concurrency_photo,
        "web_threads": plan.concurrency_web_threads,
        "rounds": plan.concurrency_rounds,
        "slots": len(systems["photochanger"]),
        "idle_rss_kib": idle.rss_kib,
        "idle_pss_kib": idle.pss_kib,
        "levels": levels,
    }


# -- 3. throughput -------------------------------------------------------------------------------


def _ramp(ctx: Context, targets: list[Target], roots: dict[str, int]) -> list[dict[str, Any]]:
    """Closed loops of growing size until requests per second stop growing."""
    plan = ctx.plan
    steps: list[dict[str, Any]] = []
    for clients in plan.throughput_clients:
        meter = CpuMeter(roots)
        samples = closed_loop(targets, ctx.photos["1MB"], clients=clients, duration=plan.throughput_seconds)
        cpu = meter.read()
        # Count only what finished after a second of ramp-up and before the clients stopped sending.
        first = min(s.started for s in samples)
        window_start, window_end = first + 1.0, first + plan.throughput_seconds
        done = [s for s in samples if window_start <= s.ended <= window_end and s.status == 200]
        steps.append(
            {
                "clients": clients,
                "rps": len(done) / (window_end - window_start),
                "ok_rate": ok_rate(samples),
                "p50": percentile([s.elapsed for s in done], 50),
                "cpu": cpu,
                "errors": errors(samples),
            }
        )
        if len(steps) > 1 and steps[-1]["rps"] < steps[-2]["rps"] * 1.05:
            break  # saturated
    return steps


def throughput(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    out: dict[str, Any] = {"workers": plan.throughput_workers}
    stack = ctx.stack("throughput", worker_concurrency=plan.throughput_workers, direct=True)
    try:
        roots = ctx.roots(stack)
        gemini, echo = fleet(stack, ctx.gemini_slots), fleet(stack, ctx.echo_slots)
        direct = [(stack.direct_url(), ctx.gemini_slots[0]["password"])]
        for targets in (gemini, echo, direct):
            warm(ctx, targets, clients=plan.throughput_workers)
        ctx.stub.command(f"ok 0 {STUB_OUTPUT}")
        out["photochanger_gemini"] = _ramp(ctx, gemini, roots)
        out["direct_gemini"] = _ramp(ctx, direct, roots)
        out["photochanger_echo"] = _ramp(ctx, echo, roots)
        out["cpu_profile"] = _cpu_profile(ctx, stack, gemini)
    finally:
        stack.stop()
    return out


def _cpu_profile(ctx: Context, stack: Stack, targets: list[Target]) -> dict[str, Any]:
    """py-spy on web and worker while 8 booths post 1 MB photos (after the measurements: sampling
    hundreds of times a second costs CPU itself)."""
    if not cpuprofile.available():
        return {"skipped": "py-spy is not installed (pip install -r bench/requirements.txt)"}
    seconds = ctx.plan.cpu_profile_seconds
    running = cpuprofile.record({"web": stack.roots()["web"], "worker": stack.roots()["worker"]}, seconds, ctx.logs)
    time.sleep(1.0)  # py-spy attaches
    closed_loop(targets, ctx.photos["1MB"], clients=8, duration=seconds - 2)
    return {"seconds": seconds, "clients": 8, "shares": cpuprofile.collect(running, ctx.logs)}


# -- 4. deadline precision -----------------------------------------------------------------------


def deadline(ctx: Context) -> dict[str, Any]:
    """Booths arrive one every ``deadline_interval`` seconds (about T_SYNC_RESPONSE / interval of
    them in flight), so their deadlines fall at different moments, as real booths' do. Then a
    burst: ``deadline_burst`` booths at once, whose deadlines all fall in the same instant."""
    plan = ctx.plan
    t_sync = plan.deadline_t_sync
    # The fleet's circuit breaker would open on the hanging stand-in and answer most booths 502 at
    # once: this scenario measures the 504 path, so it runs without one.
    stack = ctx.stack(
        "deadline",
        t_sync=t_sync,
        worker_concurrency=plan.deadline_workers,
        extra_env={"PROVIDER_BREAKER_FAILURES": "0"},
    )
    try:
        targets = fleet(stack, ctx.gemini_slots)
        warm(ctx, targets, clients=4)
        ctx.stub.command("hang 60")
        # The time-out path too (its first revoke opens the broadcast connection).
        paced(targets[:2], ctx.photos["1MB"], per_target=2, interval=0.2)
        per_slot = paced(
            targets,
            ctx.photos["1MB"],
            per_target=plan.deadline_requests // len(targets),
            interval=plan.deadline_interval,
        )
        samples = [sample for slot_samples in per_slot for sample in slot_samples]
        time.sleep(1.0)  # let the paced run's clean-up finish
        burst = closed_loop(targets, ctx.photos["1MB"], clients=plan.deadline_burst, requests_per_client=1)
    finally:
        stack.stop()
    return {
        "t_sync": t_sync,
        "interval": plan.deadline_interval,
        **_lateness(samples, t_sync),
        "burst": {"clients": plan.deadline_burst, **_lateness(burst, t_sync)},
    }


def _lateness(samples: list[Sample], t_sync: float) -> dict[str, Any]:
    late = [s.elapsed - t_sync for s in samples if s.status == 504]
    return {
        "n": len(samples),
        "n_504": len(late),
        "errors": errors([s for s in samples if s.status != 504]),
        "min": min(late, default=float("nan")),
        "p50": percentile(late, 50),
        "p95": percentile(late, 95),
        "p99": percentile(late, 99),
        "max": max(late, default=float("nan")),
    }
