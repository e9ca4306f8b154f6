"""``python -m bench [--quick] [--only overhead,concurrency,...]``: start the stand-in Gemini server
and, scenario by scenario, the real stack; measure; print the results table. ``scripts/bench``
prepares the machine (PostgreSQL, Redis, .venv) and runs this.

The benchmark uses its own database (``BENCH_DATABASE_URL``, flushed at start) and Redis database
(``BENCH_REDIS_URL``, flushed at start), and stops every process it started on the way out,
whatever happens (Ctrl-C included).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess  # noqa: S404
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench import loadprofile, resilience, scenarios, stages
from bench.context import Context, Plan
from bench.images import jpeg_of_size
from bench.report import render
from bench.stack import ROOT, Stub
from tests.support.pgbouncer import PgBouncer

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/photochanger_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
SCENARIOS = {
    "overhead": scenarios.overhead,
    "concurrency": scenarios.concurrency,
    "throughput": scenarios.throughput,
    "deadline": scenarios.deadline,
    "profile": stages.profile,
    "load_profile": loadprofile.load_profile,
    "heavy_tail": resilience.heavy_tail,
    "storm": resilience.storm,
}


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


# Run by ``manage.py shell``: the slots the scenarios post to, printed as JSON.
SLOTS_SCRIPT = """
import json
from slots.services import slot_create, slot_ingest_url
out = {"gemini": [], "echo": []}
for n in range(GEMINI_SLOTS):
    slot, secret = slot_create(name=f"bench gemini edit {n}", provider="gemini", operation="edit",
                               params={"prompt": "Make it look like a watercolour painting", "match_input_size": False})
    out["gemini"].append({"id": str(slot.id), "password": secret, "params": slot.params})
for n in range(ECHO_SLOTS):
    slot, secret = slot_create(name=f"bench echo {n}", provider="testing", operation="echo", params={})
    out["echo"].append({"id": str(slot.id), "password": secret, "params": slot.params})
print(json.dumps(out))
"""
# A fleet of booths spreads over several slots (each slot caps its own photos in flight).
GEMINI_SLOTS = 8
ECHO_SLOTS = 4


def _prepare_database(env: dict[str, str]) -> dict[str, list[dict]]:
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    _manage(env, "migrate", "--noinput")
    _manage(env, "flush", "--noinput")
    script = SLOTS_SCRIPT.replace("GEMINI_SLOTS", str(GEMINI_SLOTS)).replace("ECHO_SLOTS", str(ECHO_SLOTS))
    return json.loads(_manage(env, "shell", "-c", script).strip().splitlines()[-1])


def _machine() -> dict[str, str]:
    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "uname": " ".join(platform.uname()),
        "cpu": f"{os.cpu_count()} x {cpu}",
        "memory": f"{int(memory.split()[1]) / (1 << 20):.1f} GiB",
        "python": platform.python_version(),
        "load_before": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def _pgbouncer(database_url: str) -> tuple[PgBouncer, str]:
    """The stacks reach PostgreSQL through PgBouncer in transaction mode, as the compose deployment's do."""
    upstream = urlsplit(database_url)
    bouncer = PgBouncer(
        upstream_host=upstream.hostname or "127.0.0.1",
        upstream_port=upstream.port or 5432,
        user=upstream.username or "postgres",
    ).start()
    return bouncer, bouncer.url(upstream.path.lstrip("/"))


def _raise_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a minute or two")
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    parser.add_argument("--keep-logs", action="store_true", help="keep the run directory (logs, traces)")
    parser.add_argument("--trace", action="store_true", help="time each stage in every scenario (implies --keep-logs)")
    parser.add_argument(
        "--worker-instances",
        type=int,
        help="worker processes sharing the concurrency scenarios' pool (default: the plan's)",
    )
    parser.add_argument(
        "--stack-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra variable for every web and worker process (repeatable), e.g. to try a setting",
    )
    parser.add_argument(
        "--no-pgbouncer",
        action="store_true",
        help="connect straight to PostgreSQL (as before PgBouncer was in the stack; for before/after figures)",
    )
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    signal.signal(signal.SIGTERM, _raise_on_sigterm)

    run_dir = Path(tempfile.mkdtemp(prefix="photochanger-bench-"))
    (run_dir / "media").mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "MEDIA_ROOT": str(run_dir / "media"),
        "GEMINI_API_KEY": "bench-key",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("BENCH_TRACE_FILE", None)
    plan = Plan.quick() if args.quick else Plan()
    if args.worker_instances:
        plan.concurrency_instances = args.worker_instances
    env.update(item.split("=", 1) for item in args.stack_env)
    machine = _machine()
    results: dict = {"machine": machine, "mode": "quick" if args.quick else "full", "scenarios": {}}
    stub = None
    bouncer = None
    started = time.monotonic()
    ok = False
    try:
        print(f"[bench] run directory {run_dir}", file=sys.stderr)
        slots = _prepare_database(env)
        if not args.no_pgbouncer:
            bouncer, env["DATABASE_URL"] = _pgbouncer(env["DATABASE_URL"])
            env["DATABASE_TRANSACTION_POOLING"] = "true"
        results["pgbouncer"] = bouncer is not None
        env["BENCH_DIRECT_PARAMS"] = json.dumps(slots["gemini"][0]["params"])
        env["BENCH_DIRECT_PASSWORD"] = slots["gemini"][0]["password"]
        photos = {name: jpeg_of_size(name, cache=ROOT / "var" / "bench") for name in ("0.3MB", "1MB", "5MB")}
        results["photos"] = {name: len(data) for name, data in photos.items()}
        stub = Stub(env, run_dir / "gemini-stub.log")
        env["GEMINI_BASE_URL"] = stub.base_url
        ctx = Context(
            env=env,
            logs=run_dir,
            stub=stub,
            photos=photos,
            gemini_slots=slots["gemini"],
            echo_slots=slots["echo"],
            plan=plan,
            trace=args.trace,
        )
        for name in chosen:
            print(f"[bench] {name} ...", file=sys.stderr)
            t0 = time.monotonic()
            results["scenarios"][name] = SCENARIOS[name](ctx)
            print(f"[bench] {name} done in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        results["seconds"] = time.monotonic() - started
        table = render(results)
        print(table)
        if args.markdown:
            args.markdown.write_text(table)
        ok = True
    finally:
        if stub is not None:
            stub.stop()
        if bouncer is not None:
            bouncer.stop()
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str))
        if args.keep_logs or args.trace or not ok:
            shutil.rmtree(run_dir / "media", ignore_errors=True)
            print(f"[bench] logs kept in {run_dir}", file=sys.stderr)
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
    return 0
