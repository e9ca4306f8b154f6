from __future__ import annotations

import time

import pytest


@pytest.fixture(autouse=True)
def _no_temporary_file_survives(stored_files):
    """After every pipeline test, whatever happened, no input or temporary media file is left."""
    yield
    deadline = time.monotonic() + 5
    while stored_files("inputs/") + stored_files("media/") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stored_files("inputs/") + stored_files("media/") == []
