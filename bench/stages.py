"""Where the time goes: single requests (one booth at a time, zero provider latency) through a
stack whose web and worker time each stage (``bench.profiling``), per photo size."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.context import STUB_OUTPUT, Context, fleet, warm
from bench.load import closed_loop, percentile, summary

# Gaps between the wall-clock marks of the web request and of the worker's task.
TIMELINE = (
    ("gap.publish_to_received", "published", "received"),  # broker: web LPUSH -> worker main process
    ("gap.received_to_prerun", "received", "prerun"),  # prefork: main process -> pool child
    ("gap.prerun_to_task", "prerun", "start"),  # Celery's trace set-up: STARTED state, signals
    ("gap.notified_to_web_wake", "notified", "woken"),  # the job-final signal reaching the web
)


def profile(ctx: Context) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for size in ("1MB", "5MB"):
        trace = ctx.logs / f"trace-{size}.jsonl"
        stack = ctx.stack(f"profile-{size}", trace_file=trace)
        try:
            target = fleet(stack, ctx.gemini_slots[:1])
            warm(ctx, target, clients=2, rounds=2)
            time.sleep(0.5)
            trace.unlink(missing_ok=True)
            ctx.stub.command(f"ok 0 {STUB_OUTPUT}")
            samples = closed_loop(target, ctx.photos[size], clients=1, requests_per_client=ctx.plan.profile_requests)
            time.sleep(0.5)  # the worker writes its line after the web has answered
        finally:
            stack.stop()
        out[size] = {"client": summary(samples), "stages": _stages(trace)}
    return out


def _stages(trace: Path) -> dict[str, dict[str, float]]:
    records: dict[str, dict[str, dict]] = defaultdict(dict)
    for line in trace.read_text().splitlines():
        record = json.loads(line)
        records[record["role"]][record["job"]] = record
    web, worker, main = records["web"], records["worker"], records["worker-main"]
    stages: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(list)
    for job, w in web.items():
        k = worker.get(job)
        if k is None:
            continue
        for role, record in (("web", w), ("worker", k)):
            for stage, seconds in record["stages"].items():
                stages[f"{role}.{stage}"].append(seconds)
                counts[f"{role}.{stage}"].append(record["counts"].get(stage, 1))
            # Nested stages (a connect inside a query) overlap; the rest is code no timer covers.
            covered = sum(v for s, v in record["stages"].items() if s not in NESTED[role] and s != "total")
            stages[f"{role}.untimed"].append(record["stages"]["total"] - covered)
        marks = {**w["marks"], **k["marks"], **main.get(job, {}).get("marks", {})}
        for name, first, then in TIMELINE:
            if first in marks and then in marks:
                stages[name].append(marks[then] - marks[first])
    return {
        name: {
            "p50": percentile(values, 50) * 1000,
            "mean": sum(values) / len(values) * 1000,
            "calls": sum(counts[name]) / len(counts[name]) if counts[name] else 1.0,
        }
        for name, values in sorted(stages.items())
    }


# Stages timed inside other stages: not added up when finding the untimed rest.
NESTED = {
    "web": frozenset({"db_connect"}),
    "worker": frozenset(
        {
            "db_connect",
            "image_decode",
            "image_encode",
            "image_resize",
            "provider_http",
            "storage_write_result",
            "redis_notify_final",
        }
    ),
}
