"""Fixtures shared by every test: a clean media directory per test."""

from __future__ import annotations

import shutil
import uuid
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


@pytest.fixture
def api_client(db):
    """``api_client("slots:read", ...)``: a DRF client with a bearer JWT carrying those scopes."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    def make(*scopes: str) -> APIClient:
        user = get_user_model().objects.create_user(username=f"admin-{uuid.uuid4().hex[:8]}", password="pw")
        token = AccessToken.for_user(user)
        token["scope"] = " ".join(scopes)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.user = user
        return client

    return make


@pytest.fixture
def anon_client():
    from rest_framework.test import APIClient

    return APIClient()
