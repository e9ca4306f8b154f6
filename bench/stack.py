"""The processes a benchmark runs: the stand-in Gemini server, PhotoChanger (gunicorn + a Celery
prefork worker) and the direct baseline (one gunicorn process). Each is started in a session of
its own so that stopping it stops its whole process group (pool children, gunicorn workers), and
nothing outlives the run."""

from __future__ import annotations

import json
import os
import signal
import subprocess  # noqa: S404 - starting the stack is the point
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench import procs
from tests.support.stack import free_port, port_open

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def wait_for(check, what: str, timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:g} s" + (f"; see {log}" if log else ""))


class Service:
    """One command in its own process group, output to a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path, **popen) -> None:
        self.name = name
        self.log = log
        stdout = popen.pop("stdout", None)
        # Output to the log, unless it is a pipe we talk over (then only stderr goes to the log).
        streams = (
            {"stdout": log.open("w"), "stderr": subprocess.STDOUT}
            if stdout is None
            else {"stdout": stdout, "stderr": log.open("w")}
        )
        self.process = subprocess.Popen(  # noqa: S603 - argv built here, no shell
            argv, env=env, cwd=ROOT, start_new_session=True, **streams, **popen
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self._signal(signal.SIGKILL)  # the group: pool children that ignored SIGTERM too
        self.process.wait()

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)  # our own session's group, started above
        except ProcessLookupError:
            pass


class Stub(Service):
    """``bench.stub_server``: the stand-in Gemini server, driven over its stdin."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        super().__init__(
            "gemini-stub",
            [sys.executable, "-m", "bench.stub_server"],
            env,
            log,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        line = self.process.stdout.readline().split()
        if line[:1] != ["READY"]:
            self.stop()
            raise RuntimeError(f"the Gemini stand-in did not start; see {log}")
        self.base_url = line[1]

    def command(self, text: str) -> None:
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if answer != "OK":
            raise RuntimeError(f"stub: {text!r} -> {answer!r}")

    def totals(self) -> dict[str, dict[str, int]]:
        """Calls per model since the stand-in started, and those the client hung up on."""
        self.process.stdin.write("totals\n")
        self.process.stdin.flush()
        figures = json.loads(self.process.stdout.readline())
        if self.process.stdout.readline().strip() != "OK":
            raise RuntimeError("stub: totals failed")
        return figures

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        super().stop(timeout)


@dataclass
class StackConfig:
    t_sync: float = 50.0
    worker_concurrency: int = 8  # pool processes of the whole fleet
    worker_instances: int = 1  # worker processes (each a prefork parent) sharing the fleet's pool
    worker_autoscale: str | None = None  # "MAX,MIN"
    web_processes: int = 2
    web_threads: int = 64
    direct: bool = False
    direct_threads: int = 64
    trace_file: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)


class Stack:
    """PhotoChanger's web and worker (and optionally the direct baseline) on the bench's database,
    Redis database and a media directory of their own."""

    def __init__(self, base_env: dict[str, str], config: StackConfig, logs: Path, label: str) -> None:
        self.config = config
        self.services: list[Service] = []
        self.env = {**base_env, "T_SYNC_RESPONSE": f"{config.t_sync:g}", **config.extra_env}
        if config.trace_file is not None:
            self.env["BENCH_TRACE_FILE"] = str(config.trace_file)
        self.port = free_port()
        self.direct_port = free_port() if config.direct else None
        self.logs = logs
        self.label = label
        self.worker_name = f"bench-{uuid.uuid4().hex[:8]}@localhost"

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        cfg = self.config
        workers = [self._worker(n) for n in range(1, cfg.worker_instances + 1)]
        self.services.extend(workers)
        web_env = {
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(cfg.web_processes),
            "GUNICORN_THREADS": str(cfg.web_threads),
        }
        web = Service(
            "web",
            [str(BIN / "gunicorn"), "photochanger.wsgi:application", "-c", "gunicorn.conf.py"],
            web_env,
            self.logs / f"{self.label}-web.log",
        )
        self.services.append(web)
        if cfg.direct:
            direct_env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.direct_port}"}
            self.services.append(
                Service(
                    "direct",
                    [
                        str(BIN / "gunicorn"),
                        "bench.direct:application",
                        "-c",
                        "gunicorn.conf.py",
                        "-w",
                        "1",
                        "--threads",
                        str(cfg.direct_threads),
                    ],
                    direct_env,
                    self.logs / f"{self.label}-direct.log",
                )
            )
        wait_for(lambda: port_open(self.port), "gunicorn", 60, web.log)
        if self.direct_port:
            wait_for(lambda: port_open(self.direct_port), "direct baseline", 60)
        wanted = int(cfg.worker_autoscale.split(",")[1]) if cfg.worker_autoscale else self._pool_size()
        for worker in workers:
            pid = worker.pid
            wait_for(lambda: len(procs.tree(pid)) > wanted, f"{wanted} worker pool processes", 120, worker.log)  # noqa: B023 - called at once
        self._wait_for_workers()
        for service in self.services:
            if not service.alive():
                raise RuntimeError(f"{service.name} exited at start; see {service.log}")

    def _pool_size(self) -> int:
        """The fleet's pool processes, split evenly over its worker instances."""
        return max(1, self.config.worker_concurrency // self.config.worker_instances)

    def _worker(self, number: int) -> Service:
        cfg = self.config
        pool = ["--autoscale", cfg.worker_autoscale] if cfg.worker_autoscale else ["-c", str(self._pool_size())]
        single = cfg.worker_instances == 1
        return Service(
            "worker" if single else f"worker#{number}",
            [
                str(BIN / "celery"),
                "-A",
                "photochanger",
                "worker",
                "-P",
                "prefork",
                *pool,
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{number}.{self.worker_name}",
            ],
            self.env,
            self.logs / f"{self.label}-worker{'' if single else number}.log",
        )

    def _wait_for_workers(self) -> None:
        from celery import Celery

        app = Celery(broker=self.env["REDIS_URL"], set_as_current=False)
        names = {f"{n}.{self.worker_name}" for n in range(1, self.config.worker_instances + 1)}
        try:
            wait_for(
                lambda: names <= {name for reply in app.control.ping(timeout=0.5) for name in reply},
                "celery workers",
                60,
                self.services[0].log,
            )
        finally:
            app.close()

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        self.services.clear()

    # -- what the benchmark needs ----------------------------------------------------------------

    def jobs_per_worker(self) -> dict[str, int]:
        """Jobs each worker instance ran so far (its log's "succeeded" lines): how the fleet shared them."""
        return {
            service.name: sum(
                "Task jobs.process_job[" in line and "succeeded" in line
                for line in service.log.read_text(errors="replace").splitlines()
            )
            for service in self.services
            if service.name.startswith("worker")
        }

    def roots(self) -> dict[str, int]:
        return {service.name: service.pid for service in self.services}

    def url(self, slot_id: str) -> str:
        return f"http://127.0.0.1:{self.port}/ingest/{slot_id}"

    def direct_url(self) -> str:
        assert self.direct_port, "start the stack with direct=True"
        return f"http://127.0.0.1:{self.direct_port}/"
