from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import QueuedJobFactory


@pytest.fixture
def queued_job(db):
    """``queued_job(slot)``: a pending job with its input photo stored, as ingest leaves it."""

    def make(slot, *, seconds: float = 30):
        now = timezone.now()
        return QueuedJobFactory(slot=slot, created_at=now, deadline=now + timedelta(seconds=seconds))

    return make
