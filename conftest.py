"""Fixtures shared by every test: a clean media directory per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _clean_media_root(settings):
    yield
    root = Path(settings.MEDIA_ROOT)
    for child in root.iterdir() if root.exists() else ():
        shutil.rmtree(child, ignore_errors=True)


@pytest.fixture
def stored_files(settings):
    """Every file under MEDIA_ROOT, relative, so tests can assert what was (not) kept."""

    def files(prefix: str = "") -> list[str]:
        root = Path(settings.MEDIA_ROOT)
        return sorted(
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and str(p.relative_to(root)).startswith(prefix)
        )

    return files
