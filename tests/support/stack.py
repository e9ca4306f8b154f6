"""Starting the real processes for end-to-end tests: gunicorn and a Celery prefork worker (and the
odd fault-injection helper), each a subprocess with its own environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from celery import Celery

ROOT = Path(__file__).resolve().parents[2]
# Logs and screenshots of a run; overridable so that runs side by side keep their own.
ARTIFACTS = Path(os.environ.get("PHOTOCHANGER_TEST_ARTIFACTS", ROOT / "test-artifacts"))
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def web_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout} s; see {ARTIFACTS}")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class LiveStack:
    base_url: str
    worker_name: str
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Further worker instances on the same queue (a fleet of several workers); their names are
    # "<n>.<worker_name>" and their logs "<name>-worker<n>.log".
    more_workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def workers(self) -> list[subprocess.Popen]:
        return [p for p in (self.worker, *self.more_workers) if p is not None]

    def stop(self) -> None:
        for process in (self.web, *self.workers):
            if process is not None:
                stop_process(process)


def start_worker(
    env: dict[str, str], name: str, worker_name: str, *, concurrency: int = 4, log: str = "worker"
) -> subprocess.Popen:
    """A Celery prefork worker (its log in ARTIFACTS/<name>-<log>.log); ping it to know it is up."""
    return subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "photochanger",
            "worker",
            "-P",
            "prefork",
            "-c",
            str(concurrency),
            "-l",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            worker_name,
        ],
        # The label of every JSON log line (the test process may carry gunicorn.conf.py's "web").
        env={**env, "PHOTOCHANGER_SERVICE": "worker"},
        cwd=ROOT,
        stdout=(ARTIFACTS / f"{name}-{log}.log").open("w"),
        stderr=subprocess.STDOUT,
    )


def start_stack(
    env: dict[str, str],
    name: str,
    *,
    concurrency: int = 4,
    threads: int = 64,
    worker: bool = True,
    workers: int = 1,
) -> LiveStack:
    """gunicorn (one gthread process) and, unless ``worker=False``, ``workers`` Celery prefork
    workers of ``concurrency`` processes each."""
    ARTIFACTS.mkdir(exist_ok=True)
    worker_name = f"{name}-{uuid.uuid4().hex[:8]}@localhost"
    port = free_port()
    stack = LiveStack(base_url=f"http://127.0.0.1:{port}", worker_name=worker_name, env=env)
    names = [worker_name] if worker else []
    if worker:
        stack.worker = start_worker(env, name, worker_name, concurrency=concurrency)
        for n in range(2, workers + 1):
            names.append(f"{n}.{worker_name}")
            stack.more_workers.append(start_worker(env, name, names[-1], concurrency=concurrency, log=f"worker{n}"))
    stack.web = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "photochanger.wsgi:application",
            "-c",
            "gunicorn.conf.py",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--threads",
            str(threads),
        ],
        env=env,
        cwd=ROOT,
        stdout=(ARTIFACTS / f"{name}-web.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    # Never set_as_current: a second app would capture shared_task and misroute this process's tasks.
    app = Celery(broker=env["REDIS_URL"], set_as_current=False)
    try:
        # /healthz answers once the web process has loaded the app, not merely bound the port.
        wait_for(lambda: web_answers(f"{stack.base_url}/healthz"), "gunicorn")
        if names:
            wait_for(
                lambda: set(names) <= {n for reply in app.control.ping(timeout=0.5) for n in reply},
                "celery workers",
                60,
            )
    except Exception:
        stack.stop()
        raise
    return stack


class PrivateRedis:
    """A redis-server of the test's own on a free port, so it can be stopped mid-test (a fault)
    without touching the machine's Redis that other test runs share."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=(ARTIFACTS / f"redis-{self.port}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: port_open(self.port), "private redis", 10)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


def tree_memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process and all its descendants, in KiB, from /proc. RSS counts pages that
    prefork children share with their parent once per process; PSS splits them fairly."""
    rss = pss = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return rss, pss
