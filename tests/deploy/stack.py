"""The compose stack under check: its env file (made from .env.example the way docs/deploy.md says),
the compose command line, and what Docker reports about its containers. Used by compose_check.py."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE_HOST = "photochanger.test"
LONG_RUNNING = ("caddy", "web", "worker", "beat", "pgbouncer", "postgres", "redis")


def log(message: str, started: float = time.monotonic()) -> None:
    print(f"[compose-check {time.monotonic() - started:6.1f}s] {message}", flush=True)


def compose_command() -> list[str]:
    """``docker compose`` (v2 plugin) where installed, else Debian's ``docker-compose`` 1.29."""
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    legacy = shutil.which("docker-compose")
    if legacy is None:
        raise SystemExit("neither `docker compose` nor docker-compose is installed (scripts/lib.sh ensure_docker)")
    return [legacy]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_proxy_network() -> str:
    """A PROXY_NETWORK (172.31.N) whose /24 no Docker network on this daemon uses."""
    ids = subprocess.run(["docker", "network", "ls", "-q"], capture_output=True, text=True, check=True).stdout.split()
    taken = subprocess.run(
        ["docker", "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", *ids],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for third in range(250, 100, -1):
        if f"172.31.{third}.0/24" not in taken:
            return f"172.31.{third}"
    raise SystemExit("no free 172.31.N.0/24 for PROXY_NETWORK")


def env_file_text(overrides: dict[str, str], generated: dict[str, str]) -> str:
    """``cp .env.example .env`` and edit: every change-me value replaced by a generated secret (kept
    in ``generated``, so a rewrite keeps the keys every slot password depends on), the given
    settings set (uncommented where the example only shows them)."""
    values = dict(overrides)
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^(# )?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if not match:
            lines.append(line)
            continue
        name, value = match.group(2), match.group(3)
        if name in values:
            lines.append(f"{name}={values.pop(name)}")
        elif "change-me" in value and not match.group(1):
            generated.setdefault(name, secrets.token_urlsafe(48))
            lines.append(
                f"{name}={value.split(':')[0]}:{generated[name]}" if ":" in value else f"{name}={generated[name]}"
            )
        else:
            lines.append(line)
    lines += [f"{name}={value}" for name, value in values.items()]
    text = "\n".join(lines) + "\n"
    leftover = [line for line in text.splitlines() if "change-me" in line and not line.startswith("#")]
    assert not leftover, f"placeholders left in the env file: {leftover}"
    return text


class Stack:
    """``docker compose -p PROJECT -f docker-compose.yml --env-file FILE …`` for one check run."""

    def __init__(self, project: str, env_file: Path) -> None:
        self.project = project
        self.env_file = env_file
        # The env file alone decides: compose would let this process's environment (the suite's
        # REDIS_URL, S3_* and so on) override what it interpolates from the file.
        documented = set(re.findall(r"(?m)^(?:# )?([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text()))
        outside = {name: value for name, value in os.environ.items() if name not in documented}
        self.environment = {**outside, "PHOTOCHANGER_ENV_FILE": str(env_file)}
        self.command = [*compose_command(), "-p", project, "-f", str(ROOT / "docker-compose.yml")]
        self.command += ["--env-file", str(env_file)]

    def run(self, *args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*self.command, *args], cwd=ROOT, env=self.environment, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"compose {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return result

    def exec(self, service: str, *command: str, env: dict[str, str] | None = None) -> str:
        flags = [arg for name, value in (env or {}).items() for arg in ("-e", f"{name}={value}")]
        return self.run("exec", "-T", *flags, service, *command, timeout=180).stdout

    def containers(self, *, include_stopped: bool = False) -> list[dict]:
        listing = ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={self.project}"]
        ids = subprocess.run(
            listing + (["-a"] if include_stopped else []), capture_output=True, text=True, check=True
        ).stdout.split()
        if not ids:
            return []
        return json.loads(
            subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True, check=True).stdout
        )

    def by_service(self, *, include_stopped: bool = False) -> dict[str, list[dict]]:
        services: dict[str, list[dict]] = {}
        for container in self.containers(include_stopped=include_stopped):
            services.setdefault(container["Config"]["Labels"]["com.docker.compose.service"], []).append(container)
        return services

    def wait_healthy(self, expected: dict[str, int], timeout: float = 420) -> dict[str, list[dict]]:
        """Every long-running service has its expected number of containers, all (healthy)."""
        deadline = time.monotonic() + timeout
        while True:
            services = self.by_service()
            state = {
                name: [c.get("State", {}).get("Health", {}).get("Status", "none") for c in services.get(name, [])]
                for name in expected
            }
            if all(len(state[name]) == count and set(state[name]) == {"healthy"} for name, count in expected.items()):
                return services
            if time.monotonic() > deadline:
                raise AssertionError(f"not healthy after {timeout:.0f} s: {state}")
            time.sleep(3)

    def service_of_log_lines(self, service: str, needle: str) -> set[str]:
        """Which containers of ``service`` logged a line containing ``needle`` (the name compose
        prefixes each line with: ``project_worker_2`` for 1.29, ``worker-2`` for v2)."""
        lines = self.run("logs", "--no-color", service, timeout=120).stdout.splitlines()
        return {line.split("|", 1)[0].strip() for line in lines if needle in line and "|" in line}
