"""What every scenario shares: the plan of a run, its context (environment, stand-in, photos,
slots), the fleet of booth targets of a stack, and warming it up."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import Sample, closed_loop
from bench.stack import Stack, StackConfig, Stub

# The stand-in's answer: a thumbnail. The stand-in decodes and inverts the whole photo it gets; a
# bigger answer would add its PNG encoding (~0.1 s of CPU at 512x384) to the same two cores.
STUB_OUTPUT = "64x48"
Target = tuple[str, str]  # (ingest URL, password)


@dataclass
class Plan:
    """How much to measure: ``full`` (~10 min) or ``quick`` (a smoke run of a minute or two)."""

    overhead_requests: int = 80  # per system and size
    # One request every this many seconds, alternating PhotoChanger and direct: the machine stays
    # well below saturation, so the figures are latencies, not queueing.
    overhead_interval: dict[str, float] = field(default_factory=lambda: {"1MB": 0.3, "5MB": 0.6})
    overhead_latency: float = 2.0
    concurrency_levels: tuple[int, ...] = (50, 100, 200)
    concurrency_rounds: int = 2
    concurrency_latency: float = 5.0
    concurrency_workers: int = 200  # pool processes of the whole fleet
    concurrency_instances: int = 2  # worker instances sharing them (compose: --scale worker=2)
    concurrency_web_threads: int = 128
    # A screen-sized photo: with 1 MB ones the provider-side image work alone (~0.2 s of CPU per
    # photo, the direct baseline's too) needs 8 cores for 200 photos per 5 s.
    concurrency_photo: str = "0.3MB"
    throughput_clients: tuple[int, ...] = (4, 8, 16)
    throughput_seconds: float = 8.0
    throughput_workers: int = 8
    cpu_profile_seconds: float = 12.0
    deadline_requests: int = 48
    deadline_interval: float = 0.15
    deadline_workers: int = 32
    deadline_t_sync: float = 3.0
    deadline_burst: int = 20
    profile_requests: int = 25
    # Provider resilience (bench/resilience.py): each variant a photo every 2 s from 10 booths.
    heavy_tail_seconds: float = 600.0
    storm_calm_seconds: float = 60.0
    storm_seconds: float = 180.0
    resilience_workers: int = 48

    @classmethod
    def quick(cls) -> Plan:
        # Every scenario and table, on smaller numbers (200 worker processes take ~20 s to start).
        return cls(
            overhead_requests=10,
            concurrency_levels=(25, 50),
            concurrency_rounds=1,
            concurrency_workers=50,
            concurrency_web_threads=64,
            throughput_clients=(4, 8),
            throughput_seconds=4.0,
            cpu_profile_seconds=6.0,
            deadline_requests=16,
            profile_requests=8,
            heavy_tail_seconds=80.0,
            storm_calm_seconds=20.0,
            storm_seconds=60.0,
        )


@dataclass
class Context:
    env: dict[str, str]
    logs: Path
    stub: Stub
    photos: dict[str, bytes]
    # Slots (``manage.py slot_create`` output): a fleet of booths spreads over several slots, as a
    # real one does (SLOT_MAX_IN_FLIGHT caps each slot's photos in flight).
    gemini_slots: list[dict[str, Any]]
    echo_slots: list[dict[str, Any]]
    plan: Plan
    trace: bool = False  # time every stage in every scenario (diagnosis; costs a little)

    def stack(self, label: str, **config: Any) -> Stack:
        if self.trace:
            config.setdefault("trace_file", self.logs / f"trace-{label}.jsonl")
        return Stack(self.env, StackConfig(**config), self.logs, label).start()

    def roots(self, stack: Stack) -> dict[str, int]:
        return {**stack.roots(), "stub": self.stub.pid}


def fleet(stack: Stack, slots: list[dict[str, Any]]) -> list[Target]:
    return [(stack.url(slot["id"]), slot["password"]) for slot in slots]


def ok_rate(samples: list[Sample]) -> float:
    return sum(s.status == 200 for s in samples) / len(samples) if samples else 0.0


def errors(samples: list[Sample]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for sample in samples:
        if sample.status != 200:
            counts[f"{sample.status} {sample.error[:80]}"] += 1
    return dict(counts)


def warm(ctx: Context, targets: list[Target], clients: int, rounds: int = 1, size: str = "1MB") -> None:
    """First requests pay for lazy set-up (connections, SDK clients): keep them out of the figures."""
    ctx.stub.command(f"ok 0 {STUB_OUTPUT}")
    samples = closed_loop(targets, ctx.photos[size], clients=clients, requests_per_client=rounds)
    if not any(s.status == 200 for s in samples):
        raise RuntimeError(f"warm-up of {targets[0][0]} failed: {errors(samples)}")


# -- 1. overhead against the direct baseline ---------------------------------------------------
