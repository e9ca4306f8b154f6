"""Where the CPU goes: py-spy samples of the web and worker process trees under load, each sample
put in one bucket by the innermost frame that belongs to a known layer. Optional: without py-spy
(``pip install -r bench/requirements.txt``) the scenario says so and the rest still runs."""

from __future__ import annotations

import re
import shutil
import subprocess  # noqa: S404
from collections import Counter
from pathlib import Path

from bench.stack import BIN

# Innermost matching frame decides; checked in this order for each frame.
BUCKETS = (
    ("image (Pillow)", re.compile(r"\bPIL/")),
    ("hashing", re.compile(r"upload_sha256|hashlib")),
    ("database (psycopg, ORM)", re.compile(r"\bpsycopg/|\bdjango/db/")),
    ("broker/results (Redis)", re.compile(r"\bredis/|\bkombu/|\bcelery/backends/")),
    ("celery pool (prefork IPC)", re.compile(r"\bbilliard/|\bcelery/concurrency/|\bcelery/worker/")),
    ("provider SDK, HTTP client", re.compile(r"\bgoogle/genai/|\bpydantic|\bhttpx|\bhttpcore")),
    ("JSON, base64", re.compile(r"\bjson/|\bbase64")),
    # The formatter and filters, not the request middleware that lives in the same module.
    ("logging", re.compile(r"\blogging/|^(?!__call__ )\w+ \(photochanger/logging\.py")),
    ("multipart, HTTP server", re.compile(r"multipartparser|\bgunicorn/|\bsocket\.py|uploadhandler")),
    ("storage (files)", re.compile(r"\bdjango/core/files/")),
)
OTHER = "other Python (Django, Celery, app code)"


def available() -> bool:
    return (BIN / "py-spy").exists() or shutil.which("py-spy") is not None


def record(pids: dict[str, int], seconds: float, out: Path, *, rate: int = 100) -> dict[str, subprocess.Popen]:
    """Start sampling each role's process tree; ``collect`` once the load has run."""
    exe = str(BIN / "py-spy") if (BIN / "py-spy").exists() else "py-spy"
    return {
        role: subprocess.Popen(  # noqa: S603 - our own pids
            [
                exe,
                "record",
                "--pid",
                str(pid),
                "--subprocesses",
                "--nonblocking",
                "--rate",
                str(rate),
                "--duration",
                str(int(seconds)),
                "--format",
                "raw",
                "-o",
                str(out / f"pyspy-{role}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for role, pid in pids.items()
    }


def collect(running: dict[str, subprocess.Popen], out: Path) -> dict[str, dict[str, float]]:
    shares: dict[str, dict[str, float]] = {}
    for role, process in running.items():
        process.wait(timeout=120)
        path = out / f"pyspy-{role}.txt"
        if path.exists():
            shares[role] = _buckets(path)
    return shares


def _buckets(path: Path) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        counts[bucket(stack.split(";"))] += int(count)
    total = sum(counts.values()) or 1
    return {name: 100 * n / total for name, n in counts.most_common()}


def bucket(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, pattern in BUCKETS:
            if pattern.search(frame):
                return name
    return OTHER
