"""How the live stack's worker pool (4 processes) holds its PostgreSQL connections."""

from __future__ import annotations

import pytest
from django.db import connection

from core.db import worker_keeps_connections
from tests.support import images
from tests.support.booth import booth_post

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def _worker_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE %s",
            ["photochanger-worker-%"],
        )
        return [pid for (pid,) in cursor.fetchall()]


def _post(stack, slot):
    return booth_post(f"{stack.base_url}/ingest/{slot.id}", photo=images.jpeg(64, 48), password=slot.secret)


def test_a_small_pool_keeps_each_processes_connection_between_jobs(live_stack, booth_slot):
    slot = booth_slot(operation="sepia")

    for _ in range(6):
        assert _post(live_stack, slot).status == 200

    assert 1 <= len(_worker_backends()) <= 4, "idle after their jobs, still connected; one per pool process"


def test_a_kept_connection_postgresql_cut_is_replaced_at_the_next_job(live_stack, booth_slot, stored_files):
    slot = booth_slot(operation="sepia")
    assert _post(live_stack, slot).status == 200
    # The booth is answered at "completed"; the worker then still deletes the input. Cut the
    # connection once it is idle, between jobs, which is what this test is about.
    assert stored_files("inputs/", settled=True) == []
    with connection.cursor() as cursor:
        for pid in _worker_backends():
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    responses = [_post(live_stack, slot) for _ in range(6)]

    assert [r.status for r in responses] == [200] * 6, responses[-1].body[:300]


@pytest.mark.parametrize(("pool_size", "keeps"), [(1, True), (32, True), (33, False), (200, False), (0, False)])
def test_only_a_pool_within_the_limit_keeps_connections(settings, pool_size, keeps):
    settings.WORKER_DB_PERSISTENT_MAX_POOL = 32
    assert worker_keeps_connections(pool_size=pool_size) is keeps


@pytest.mark.parametrize(("pool_size", "keeps"), [(1, True), (200, True), (1000, True), (0, False)])
def test_behind_a_transaction_pooler_every_pool_keeps_connections(settings, pool_size, keeps):
    settings.WORKER_DB_PERSISTENT_MAX_POOL = 32
    settings.DATABASE_TRANSACTION_POOLING = True
    assert worker_keeps_connections(pool_size=pool_size) is keeps
