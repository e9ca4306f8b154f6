"""A fleet of two worker instances on one queue, reaching PostgreSQL through PgBouncer in transaction
mode (the compose deployment's shape; docs/operations.md, "Connection pooling")."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from jobs.models import Job, JobStatus
from tests.support import images
from tests.support.booth import booth_post
from tests.support.pgbouncer import SERVER_POOL_SIZE
from tests.support.stack import ARTIFACTS

pytestmark = [pytest.mark.pipeline, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

POOL = 16  # per worker: 32 processes, beyond WORKER_DB_PERSISTENT_MAX_POOL below


def _post_at_once(stack, slot, count: int) -> list:
    photo = images.jpeg(320, 240)

    def one(index: int):
        unique = photo + f"fleet-{index}-{time.monotonic_ns()}".encode()
        return booth_post(f"{stack.base_url}/ingest/{slot.id}", photo=unique, password=slot.secret, timeout=60)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_two_workers_behind_pgbouncer_share_the_jobs_and_postgresql_sees_only_its_pool(
    private_stack, booth_slot, pooled_env, pgbouncer
):
    stack = private_stack(
        "fleet",
        concurrency=POOL,
        workers=2,
        T_SYNC_RESPONSE="20",
        SLOT_MAX_IN_FLIGHT="100",
        WORKER_DB_PERSISTENT_MAX_POOL="8",
        **pooled_env,
    )
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 1.0})

    answers = _post_at_once(stack, slot, 2 * POOL)

    assert [a.status for a in answers] == [200] * (2 * POOL), answers[0].body[:300]
    job_ids = {a.headers["x-job-id"] for a in answers}
    logs = [(ARTIFACTS / f"fleet-{log}.log").read_text() for log in ("worker", "worker2")]
    ran = [sum(job_id in log for job_id in job_ids) for log in logs]
    assert all(n > 0 for n in ran) and sum(ran) == len(job_ids), ran
    # Behind the pooler every pool process keeps its connection (the pool is beyond the persistent
    # limit), yet PostgreSQL only ever sees PgBouncer's own few.
    kept = [c for c in pgbouncer.show("clients") if c["application_name"].startswith("photochanger-worker-")]
    assert len(kept) > 8, len(kept)
    assert len(pgbouncer.show("servers")) <= SERVER_POOL_SIZE


def test_a_job_cut_at_its_deadline_behind_pgbouncer_leaves_the_fleet_answering(private_stack, booth_slot, pooled_env):
    stack = private_stack("fleet-deadline", concurrency=4, workers=2, T_SYNC_RESPONSE="2", **pooled_env)
    slow = booth_slot(provider="testing", operation="sleep", params={"seconds": 6.0})
    quick = booth_slot(provider="testing", operation="sleep", params={"seconds": 0.2})

    late = _post_at_once(stack, slow, 4)

    assert [a.status for a in late] == [504] * 4, late[0].body[:300]
    assert all(a.elapsed < 3.0 for a in late), [a.elapsed for a in late]
    # The interrupted jobs ended, and their processes (interrupted mid-call) serve the next photos.
    deadline = time.monotonic() + 10
    while Job.objects.filter(slot=slow).exclude(status=JobStatus.FAILED_TIMEOUT).exists():
        assert time.monotonic() < deadline, list(Job.objects.filter(slot=slow).values_list("status", flat=True))
        time.sleep(0.2)
    assert [a.status for a in _post_at_once(stack, quick, 8)] == [200] * 8
