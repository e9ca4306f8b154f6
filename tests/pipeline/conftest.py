from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_temporary_file_survives(stored_files):
    """After every pipeline test, whatever happened, no input or temporary media file is left."""
    yield
    assert stored_files("inputs/", settled=True) + stored_files("media/") == []
