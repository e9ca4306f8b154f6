from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.gemini_stub import GeminiStub


@pytest.fixture
def stub() -> Iterator[GeminiStub]:
    """A stand-in Gemini server of this test's own, accepting two API keys."""
    with GeminiStub(api_keys=["key-1", "key-2"]) as running:
        yield running
