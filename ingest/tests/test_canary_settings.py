"""CANARY_WINDOW is read once, at start-up: a wrong value stops the process with the right form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from photochanger.settings.workers import _canary_window


def test_an_empty_window_means_no_canary_checks():
    assert _canary_window("") is None


def test_a_window_is_two_moments_with_their_offsets():
    start, end = _canary_window("2026-12-05T17:00+01:00/2026-12-06T02:00+01:00")

    assert start == datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=9)


@pytest.mark.parametrize(
    "text",
    ["tonight", "2026-12-05T17:00/2026-12-06T02:00", "2026-12-06T02:00+01:00/2026-12-05T17:00+01:00", "2026-12-05"],
)
def test_a_window_without_offsets_backwards_or_unreadable_is_refused(text):
    with pytest.raises(ImproperlyConfigured, match="CANARY_WINDOW"):
        _canary_window(text)
