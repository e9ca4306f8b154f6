"""Process-tree helpers read from /proc: descendants, resident memory (RSS and PSS), CPU time."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return text[text.rindex(")") + 2 :].split()


def tree(root: int) -> list[int]:
    """``root`` and all its descendants that are alive now."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                children[int(fields[1])].append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def by_name(command: str) -> list[int]:
    """Processes whose command name is ``command`` and whose parent is not (the roots of a service
    such as PostgreSQL: its backends are their children)."""
    named = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == command:
                    fields = _stat_fields(int(entry.name))
                    named[int(entry.name)] = int(fields[1]) if fields else 0
            except OSError:
                continue
    return [pid for pid, parent in named.items() if parent not in named]


def _kib(path: Path, key: str) -> int:
    try:
        with path.open() as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def rss_kib(pid: int) -> int:
    return _kib(PROC / str(pid) / "status", "VmRSS:")


def pss_kib(pid: int) -> int:
    """Proportional set size: shared (copy-on-write) pages split among the processes sharing them."""
    return _kib(PROC / str(pid) / "smaps_rollup", "Pss:")


def role_of(key: str) -> str:
    """Several instances of one service ("worker#1", "worker#2") are counted as one role."""
    return key.split("#", 1)[0]


def own_cpu_seconds(pid: int) -> float:
    """The process itself, without its children."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS if fields is not None else 0.0


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            # utime + stime, plus cutime + cstime: children that exited and were reaped (a PostgreSQL
            # backend of a closed connection) count for their parent.
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / TICKS


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies over all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class MemoryPeaks:
    rss_kib: dict[str, int] = field(default_factory=dict)
    pss_kib: dict[str, int] = field(default_factory=dict)
    processes: dict[str, int] = field(default_factory=dict)


class MemorySampler:
    """Samples the summed RSS of each role's process tree every ``interval`` (and PSS, which costs
    more to read, every ``pss_every`` samples) and keeps the peaks since the last ``reset``."""

    def __init__(self, roots: dict[str, int], *, interval: float = 0.1, pss_every: int = 10) -> None:
        self.roots = roots
        self.interval = interval
        self.pss_every = pss_every
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._peaks = MemoryPeaks()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def reset(self) -> None:
        with self._lock:
            self._peaks = MemoryPeaks()

    def peaks(self) -> MemoryPeaks:
        with self._lock:
            return MemoryPeaks(dict(self._peaks.rss_kib), dict(self._peaks.pss_kib), dict(self._peaks.processes))

    def _run(self) -> None:
        trees: dict[str, list[int]] = {}
        tick = 0
        while not self._stop.is_set():
            if tick % 10 == 0:  # the process list changes rarely; rescanning /proc costs
                trees = {role: tree(root) for role, root in self.roots.items()}
            rss: dict[str, int] = defaultdict(int)
            pss: dict[str, int] = defaultdict(int)
            processes: dict[str, int] = defaultdict(int)
            for key, pids in trees.items():
                rss[role_of(key)] += sum(rss_kib(pid) for pid in pids)
                processes[role_of(key)] += len(pids)
                if tick % self.pss_every == 0:
                    pss[role_of(key)] += sum(pss_kib(pid) for pid in pids)
            with self._lock:
                peaks = self._peaks
                for role, value in rss.items():
                    peaks.rss_kib[role] = max(peaks.rss_kib.get(role, 0), value)
                    peaks.processes[role] = max(peaks.processes.get(role, 0), processes[role])
                for role, value in pss.items():
                    peaks.pss_kib[role] = max(peaks.pss_kib.get(role, 0), value)
            tick += 1
            self._stop.wait(self.interval)


class CpuMeter:
    """CPU used by each role's process tree, and by the whole machine, over a window. Besides the
    given roots it counts this process (the measuring client), PostgreSQL and Redis (whole servers:
    other users of the machine show up there too)."""

    def __init__(self, roots: dict[str, int]) -> None:
        for service, command in (("postgres", "postgres"), ("pgbouncer", "pgbouncer"), ("redis", "redis-server")):
            for n, pid in enumerate(by_name(command)):
                roots[service if n == 0 else f"{service}{n}"] = pid
        self.roots = roots
        self._trees = {role: tree(root) for role, root in roots.items()}
        # This process alone (its threads are the booths): the services are its children.
        self._trees["client"] = [os.getpid()]
        self._start = {role: cpu_seconds(pids) for role, pids in self._trees.items()}
        self._start_own = {role: own_cpu_seconds(root) for role, root in roots.items()}
        self._busy = machine_busy()
        self._t0 = time.monotonic()

    def read(self) -> dict[str, float]:
        """CPU cores used on average by each role (1.0 = one core busy) and by the whole machine."""
        elapsed = time.monotonic() - self._t0
        used: dict[str, float] = defaultdict(float)
        for key, pids in self._trees.items():
            used[role_of(key)] += (cpu_seconds(pids) - self._start[key]) / elapsed
        for key, root in self.roots.items():
            if role_of(key) == "worker":  # the prefork parent apart from its pool processes
                used["worker parent"] += (own_cpu_seconds(root) - self._start_own[key]) / elapsed
        busy, total = machine_busy()
        cores = os.cpu_count() or 1
        used["machine"] = cores * (busy - self._busy[0]) / max(1, total - self._busy[1])
        return dict(used)
