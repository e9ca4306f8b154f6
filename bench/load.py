"""The measuring client: DSLR Remote Pro's own wire format (``tests.support.booth.booth_post``),
many at once from threads, and the statistics of what came back."""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tests.support.booth import booth_post


@dataclass(frozen=True)
class Sample:
    started: float  # time.monotonic() when the request began
    elapsed: float  # seconds to the last byte of the answer
    status: int  # 0: no HTTP answer (connection error, client timeout)
    error: str = ""

    @property
    def ended(self) -> float:
        return self.started + self.elapsed


_serial = itertools.count()
_run_tag = f"{time.time_ns():x}"


def unique(photo: bytes) -> bytes:
    """The same JPEG with a comment (COM segment) of its own after the SOI marker: every request
    then carries a different photo, as a real booth's do (PhotoChanger answers a resent identical
    photo from the first job), and decoding it costs exactly the same."""
    assert photo[:2] == b"\xff\xd8", "a JPEG"
    text = f"bench {_run_tag} {next(_serial)}".encode()
    return photo[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + photo[2:]


def request(url: str, photo: bytes, password: str, timeout: float) -> Sample:
    photo = unique(photo)
    started = time.monotonic()
    try:
        response = booth_post(url, photo=photo, password=password, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a failed request is a data point, not a crash
        return Sample(started, time.monotonic() - started, 0, f"{type(exc).__name__}: {exc}")
    error = "" if response.status == 200 else response.body[:200].decode(errors="replace")
    return Sample(started, response.elapsed, response.status, error)


def closed_loop(
    targets: Sequence[tuple[str, str]],
    photo: bytes,
    *,
    clients: int,
    requests_per_client: int | None = None,
    duration: float | None = None,
    timeout: float = 120.0,
) -> list[Sample]:
    """``clients`` booths, each sending its next photo as soon as the previous one is answered,
    ``requests_per_client`` times or until ``duration`` seconds have passed. Booth ``n`` posts to
    the ``(url, password)`` target ``n % len(targets)`` (a fleet of booths on several slots)."""
    samples: list[Sample] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    until = [math.inf]

    def booth(url: str, password: str) -> None:
        start.wait()
        sent = 0
        while (requests_per_client is None or sent < requests_per_client) and time.monotonic() < until[0]:
            sample = request(url, photo, password, timeout)
            sent += 1
            with lock:
                samples.append(sample)

    threads = [
        threading.Thread(target=booth, args=targets[n % len(targets)], name=f"booth-{n}", daemon=True)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    if duration is not None:
        until[0] = time.monotonic() + duration
    start.wait()
    for thread in threads:
        thread.join()
    return samples


def paced(
    targets: Sequence[tuple[str, str]], photo: bytes, *, per_target: int, interval: float, timeout: float = 120.0
) -> list[list[Sample]]:
    """Open loop: one request every ``interval`` seconds whatever the answers do, taking the
    ``(url, password)`` targets in turn, so each sees the same machine at the same moments."""
    total = per_target * len(targets)
    pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="paced")
    try:
        futures = []
        start = time.monotonic()
        for n in range(total):
            time.sleep(max(0.0, start + n * interval - time.monotonic()))
            url, password = targets[n % len(targets)]
            futures.append(pool.submit(request, url, photo, password, timeout))
        samples = [future.result() for future in futures]
    finally:
        # Ctrl-C: do not wait for the requests in flight (the stack is stopped next anyway).
        pool.shutdown(wait=False, cancel_futures=True)
    return [samples[index :: len(targets)] for index in range(len(targets))]


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(samples: Sequence[Sample]) -> dict[str, float]:
    ok = [s.elapsed for s in samples if s.status == 200]
    return {
        "n": len(samples),
        "ok": len(ok),
        "p50": percentile(ok, 50),
        "p95": percentile(ok, 95),
        "p99": percentile(ok, 99),
        "max": max(ok, default=math.nan),
        "mean": sum(ok) / len(ok) if ok else math.nan,
    }
