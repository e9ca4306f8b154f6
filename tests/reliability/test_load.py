"""200 booth requests in flight at once against one web process and a fleet of two workers that
reach PostgreSQL through PgBouncer (the compose deployment's shape), on 2 cores."""

from __future__ import annotations

import json
import statistics
import threading
import time

import pytest

from jobs.models import Job, JobStatus
from tests.support import images
from tests.support.booth import booth_post
from tests.support.stack import ARTIFACTS, tree_memory_kib

pytestmark = [pytest.mark.pipeline, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

IN_FLIGHT = 200
PROVIDER_LATENCY = 2.0


WORKERS, POOL = 2, 30


def test_200_booth_requests_in_flight_are_all_answered_200(private_stack, booth_slot, pooled_env):
    # The stand-in provider sleeps: this measures the pipeline (web, queue, worker, storage, DB),
    # not image work, on 2 cores that also run the 200 clients.
    stack = private_stack(
        "load",
        concurrency=POOL,
        workers=WORKERS,
        threads=256,
        T_SYNC_RESPONSE="30",
        SLOT_MAX_IN_FLIGHT="250",
        **pooled_env,
    )
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": PROVIDER_LATENCY})
    photo = images.jpeg(640, 480)
    peak = {"web_rss": 0, "web_pss": 0, "worker_rss": 0, "worker_pss": 0}
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            for name, processes in (("web", [stack.web]), ("worker", stack.workers)):
                trees = [tree_memory_kib(process.pid) for process in processes]
                peak[f"{name}_rss"] = max(peak[f"{name}_rss"], sum(rss for rss, _ in trees))
                peak[f"{name}_pss"] = max(peak[f"{name}_pss"], sum(pss for _, pss in trees))
            time.sleep(0.1)

    results: list = [None] * IN_FLIGHT
    barrier = threading.Barrier(IN_FLIGHT)

    def one(index: int) -> None:
        barrier.wait()
        try:
            # Distinct bytes per booth (after the JPEG's end marker): identical photos would rightly
            # be answered by one job (booth-retry idempotency).
            unique = photo + f"booth-{index}".encode()
            results[index] = booth_post(
                f"{stack.base_url}/ingest/{slot.id}", photo=unique, password=slot.secret, timeout=60
            )
        except Exception as exc:  # a dropped connection is a failure to report, not to crash on
            results[index] = exc

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(IN_FLIGHT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    sampling.set()

    statuses = [getattr(r, "status", repr(r)) for r in results]
    latencies = sorted(r.elapsed for r in results if getattr(r, "status", None) == 200)
    figures = {
        "in_flight": IN_FLIGHT,
        "provider_latency_s": PROVIDER_LATENCY,
        "ok": statuses.count(200),
        "wall_s": round(wall, 2),
        "p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "max_s": round(latencies[-1], 2) if latencies else None,
        **{f"peak_{key}_mib": round(value / 1024) for key, value in peak.items()},
        "worker_processes": WORKERS * POOL,
    }
    (ARTIFACTS / "load.json").write_text(json.dumps(figures, indent=2))
    print(figures)
    assert statuses == [200] * IN_FLIGHT, {str(s): statuses.count(s) for s in set(statuses)}
    assert Job.objects.filter(slot=slot, status=JobStatus.COMPLETED).count() == IN_FLIGHT
    # Bounded: one web process well under 1 GiB; the worker's real (proportional) memory under 4 GiB.
    assert peak["web_pss"] < 1024 * 1024 and peak["worker_pss"] < 4 * 1024 * 1024, figures
