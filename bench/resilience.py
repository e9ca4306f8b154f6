"""The provider-resilience scenarios: a heavy-tailed provider (sequential fallback vs hedged calls)
and a 503 storm on the primary model (with vs without the circuit breaker). Each pair runs side by
side in one run, at a booth fleet's pace, against the stand-in's scripted per-model behaviours
(its model names tell the variants apart, so each variant's calls are counted on their own)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from bench.context import Context, Target, errors, warm
from bench.load import Sample, paced, percentile

BOOTHS = 10  # slots per variant: a fleet of booths
FALLBACK_LATENCY = 12.0
HEDGE_AFTER = 15.0
# Gemini's "high demand" 503s do not come back at once; the storm's take this long.
STORM_ERROR_LATENCY = 2.0

SLOTS_SCRIPT = """
import json
from slots.services import slot_create
out = []
for spec in json.loads(SPECS):
    slot, secret = slot_create(name=spec["name"], provider="gemini", operation="edit", params=spec["params"])
    out.append({"id": str(slot.id), "password": secret})
print(json.dumps(out))
"""


def _slots(ctx: Context, variant: str, **params: Any) -> list[dict[str, str]]:
    from bench.run import _manage

    specs = [
        {
            "name": f"bench {variant} {n}",
            "params": {"prompt": "Make it a watercolour", "match_input_size": False, **params},
        }
        for n in range(BOOTHS)
    ]
    script = SLOTS_SCRIPT.replace("SPECS", repr(json.dumps(specs)))
    return json.loads(_manage(ctx.env, "shell", "-c", script).strip().splitlines()[-1])


def _targets(stack, slots: list[dict[str, str]]) -> list[Target]:
    return [(stack.url(slot["id"]), slot["password"]) for slot in slots]


def _stats(samples: list[Sample], t_sync: float) -> dict[str, Any]:
    ok = [s.elapsed for s in samples if s.status == 200 and s.elapsed <= t_sync + 1]
    return {
        "n": len(samples),
        "ok": len(ok),
        "ok_share": len(ok) / len(samples) if samples else float("nan"),
        "p50": percentile(ok, 50),
        "p95": percentile(ok, 95),
        "p99": percentile(ok, 99),
        "max": max(ok, default=float("nan")),
        "errors": errors(samples),
    }


def _calls(totals: dict[str, dict[str, int]], *models: str) -> int:
    return sum(totals["calls"].get(model, 0) for model in models)


def heavy_tail(ctx: Context) -> dict[str, Any]:
    """Primary 85 % 8 s / 10 % 30 s / 5 % hang, fallback 12 s: today's sequential fallback and
    ``hedge_after`` = 15 s, each a photo every 2 s from 10 booths, interleaved."""
    plan = ctx.plan
    t_sync = 50.0
    models = {variant: (f"tail-primary-{variant}", f"tail-fallback-{variant}") for variant in ("sequential", "hedged")}
    slots = {
        "sequential": _slots(
            ctx, "tail sequential", model=models["sequential"][0], fallback_models=models["sequential"][1]
        ),
        "hedged": _slots(
            ctx, "tail hedged", model=models["hedged"][0], fallback_models=models["hedged"][1], hedge_after=HEDGE_AFTER
        ),
    }
    stack = ctx.stack("heavy-tail", t_sync=t_sync, worker_concurrency=plan.resilience_workers)
    try:
        targets = {variant: _targets(stack, chosen) for variant, chosen in slots.items()}
        warm(ctx, targets["sequential"] + targets["hedged"], clients=4)
        before = ctx.stub.totals()
        tail = {"mix": [[0.85, {"ok": 8}], [0.10, {"ok": 30}], [0.05, {"hang": 600}]]}
        for primary, fallback in models.values():
            ctx.stub.command(f"model {primary} {json.dumps(tail)}")
            ctx.stub.command(f"model {fallback} {json.dumps({'ok': FALLBACK_LATENCY})}")
        per_target = int(plan.heavy_tail_seconds / 2 / BOOTHS)  # a photo every 2 s per variant
        interleaved = [pair for pair in zip(targets["sequential"], targets["hedged"], strict=True) for pair in pair]
        samples = paced(interleaved, ctx.photos["1MB"], per_target=per_target, interval=1.0)
        time.sleep(2.0)  # the last abandoned calls are closed and counted
        after = ctx.stub.totals()
    finally:
        stack.stop()
    out: dict[str, Any] = {"t_sync": t_sync, "hedge_after": HEDGE_AFTER, "seconds": plan.heavy_tail_seconds}
    for index, variant in enumerate(("sequential", "hedged")):
        chosen = [s for n, per in enumerate(samples) if n % 2 == index for s in per]
        primary, fallback = models[variant]
        calls = _calls(after, primary, fallback) - _calls(before, primary, fallback)
        out[variant] = {
            **_stats(chosen, t_sync),
            "calls": calls,
            "extra_calls": calls / len(chosen) - 1 if chosen else float("nan"),
            "abandoned": sum(after["disconnects"].get(m, 0) - before["disconnects"].get(m, 0) for m in models[variant]),
        }
    return out


def storm(ctx: Context) -> dict[str, Any]:
    """The primary answers 503 (after 2 s) for 3 minutes, a minute into the run; the fallback takes
    12 s. Two stacks at once, one with the circuit breaker (defaults) and one without."""
    plan = ctx.plan
    t_sync = 50.0
    variants = {"breaker": {}, "no_breaker": {"PROVIDER_BREAKER_FAILURES": "0"}}
    models = {variant: (f"storm-primary-{variant}", f"storm-fallback-{variant}") for variant in variants}
    stacks = {}
    try:
        targets: list[Target] = []
        for variant, extra in variants.items():
            slots = _slots(ctx, f"storm {variant}", model=models[variant][0], fallback_models=models[variant][1])
            stacks[variant] = ctx.stack(
                f"storm-{variant}",
                t_sync=t_sync,
                worker_concurrency=plan.resilience_workers // 2,
                extra_env={"CELERY_QUEUE": f"bench-storm-{variant}", **extra},
            )
            targets += _targets(stacks[variant], slots)
            warm(ctx, _targets(stacks[variant], slots), clients=2)
        before = ctx.stub.totals()
        calm, stormy = plan.storm_calm_seconds, plan.storm_seconds
        storm_spec = {
            "storm": {"error": 503, "latency": STORM_ERROR_LATENCY},
            "seconds": stormy,
            "starting_in": calm,
            "otherwise": {"ok": 8},
        }
        started_wall, started = time.time(), time.monotonic()
        for primary, fallback in models.values():
            ctx.stub.command(f"model {primary} {json.dumps(storm_spec)}")
            ctx.stub.command(f"model {fallback} {json.dumps({'ok': FALLBACK_LATENCY})}")
        total_seconds = 2 * calm + stormy
        per_target = int(total_seconds / 2 / BOOTHS)
        interleaved = [pair for pair in zip(targets[:BOOTHS], targets[BOOTHS:], strict=True) for pair in pair]
        samples = paced(interleaved, ctx.photos["1MB"], per_target=per_target, interval=1.0)
        time.sleep(1.0)
        after = ctx.stub.totals()
        opened = _breaker_events(ctx, "storm-breaker")
    finally:
        for stack in stacks.values():
            stack.stop()
    storm_from, storm_to = started + calm, started + calm + stormy
    out: dict[str, Any] = {"calm": calm, "storm": stormy, "error_latency": STORM_ERROR_LATENCY, "t_sync": t_sync}
    first_open = next((at for event, at in opened if event == "breaker_opened"), None)
    opened_mono = started + (first_open - started_wall) if first_open else None
    out["breaker_events"] = [(event, round(at - started_wall, 1)) for event, at in opened]
    for index, variant in enumerate(variants):
        chosen = [s for n, per in enumerate(samples) if n % 2 == index for s in per]
        during = [s for s in chosen if storm_from <= s.started < storm_to]
        primary = models[variant][0]
        row = {
            "before": _stats([s for s in chosen if s.started < storm_from], t_sync),
            "during": _stats(during, t_sync),
            "after": _stats([s for s in chosen if s.started >= storm_to], t_sync),
            "primary_failures": after["failures"].get(primary, 0) - before["failures"].get(primary, 0),
        }
        if first_open is not None and variant == "breaker":
            # Sent after it opened: the probes. Sent less than the 503's latency before: on their way.
            times = after["failure_times"].get(primary, [])
            row["failures_sent_after_open"] = sum(at > first_open for at in times)
            row["failures_in_flight_at_open"] = sum(
                first_open - STORM_ERROR_LATENCY + 0.1 < at <= first_open for at in times
            )
        if variant == "breaker" and opened_mono is not None:
            after_open = [s for s in during if s.started >= opened_mono]
            row["after_open"] = _stats(after_open, t_sync)
            row["after_open_within"] = sum(
                s.status == 200 and s.elapsed <= FALLBACK_LATENCY + 1 for s in after_open
            ) / max(1, len(after_open))
        out[variant] = row
    return out


def _breaker_events(ctx: Context, label: str) -> list[tuple[str, float]]:
    """(event, wall-clock time) of the breaker's log lines in that stack's worker log."""
    events = []
    for line in (ctx.logs / f"{label}-worker.log").read_text().splitlines():
        if line.startswith("{") and '"event": "breaker_' in line:
            entry = json.loads(line)
            events.append((entry["event"], datetime.fromisoformat(entry["ts"]).timestamp()))
    return events
