from __future__ import annotations

import pytest

from tests.factories import SlotFactory

pytestmark = pytest.mark.pipeline


@pytest.fixture
def booth_slot(transactional_db):
    """A committed slot, visible to the web and worker processes."""

    def make(**kwargs):
        slot = SlotFactory(**kwargs)
        return slot

    return make
