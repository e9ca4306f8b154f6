"""The cap holds under concurrency: many workers reserving on one slot at once, each on its own
PostgreSQL connection, never get more room than the cap has."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from stats.budget import budget_reserve
from stats.models import BudgetReservation
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 30


def test_thirty_concurrent_reservations_on_room_for_ten_calls_get_exactly_ten():
    slot = SlotFactory(budget_daily=Decimal("1.00"))  # room for 10 calls at 0.10
    start = threading.Barrier(WORKERS)
    granted: list[int | None] = []
    lock = threading.Lock()

    def reserve() -> None:
        try:
            start.wait()
            got = budget_reserve(
                slot_id=slot.id,
                job_id=uuid.uuid4(),
                price=Decimal("0.10"),
                calls=1,
                expires_at=timezone.now() + timedelta(minutes=1),
            )
            with lock:
                granted.append(got)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=reserve) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(granted) == [0] * (WORKERS - 10) + [1] * 10
    assert BudgetReservation.objects.filter(slot_id=slot.id).count() == 10
