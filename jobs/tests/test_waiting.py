"""The booth requests of one web process wait on their jobs side by side (bench/README.md)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.utils import timezone

from jobs.models import Job
from jobs.waiting import job_notify_final, job_wait

# More than redis-py's default connection pool (100), as many as 2 x 128 gthreads may hold.
WAITERS = 150


def test_more_booth_requests_than_redis_pys_default_pool_all_wait_and_all_wake() -> None:
    jobs = [Job(id=uuid.uuid4(), deadline=timezone.now() + timedelta(seconds=5)) for _ in range(WAITERS)]
    started = threading.Barrier(WAITERS + 1)

    def wait(job: Job) -> bool:
        started.wait()
        return job_wait(job=job)

    with ThreadPoolExecutor(max_workers=WAITERS) as pool:
        woken = [pool.submit(wait, job) for job in jobs]
        started.wait()
        for job in jobs:
            job_notify_final(job_id=job.id)
        assert [future.result(timeout=10) for future in woken] == [True] * WAITERS
