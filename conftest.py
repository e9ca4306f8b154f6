"""Fixtures shared by every test: a clean media directory per test.

Where tests live (docs/architecture.md): in-process tests beside the code in ``<package>/tests/``;
live-stack, fault, load, hostile-input and browser tests in ``tests/``, their helpers in
``tests/support/``, factories in ``tests/factories.py``.
"""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest

pytest_plugins = ["tests.support.storage_fixtures"]


@pytest.fixture(scope="session", autouse=True)
def _translations_compiled():
    """The catalogues compiled to .mo before any test, as scripts/test and scripts/serve do
    (scripts/lib.sh compile_messages): a direct pytest run reads the same Russian catalogue, and the
    live stack's processes started by tests find it too. An up-to-date .mo is left alone."""
    from contextlib import chdir

    from django.conf import settings
    from django.core.management import call_command

    with chdir(settings.BASE_DIR):
        call_command("compilemessages", ignore_patterns=[".venv", ".git", "var"], verbosity=0)


@pytest.fixture(autouse=True)
def _clean_media_root(settings):
    yield
    root = Path(settings.MEDIA_ROOT)
    for child in root.iterdir() if root.exists() else ():
        shutil.rmtree(child, ignore_errors=True)


@pytest.fixture
def stored_files(settings):
    """Every stored file key (local disk or S3, whichever is configured), optionally by prefix."""
    from django.core.files.storage import default_storage

    from media.storage import PREFIXES, storage_walk

    def listing(prefix: str) -> list[str]:
        keys = (key for top in PREFIXES for key in storage_walk(default_storage, top))
        return sorted(key for key in keys if key.startswith(prefix))

    def files(prefix: str = "", *, settled: bool = False) -> list[str]:
        """``settled``: first give a worker up to 5 s to delete temporary files (inputs/, media/).
        It deletes a job's input just after the final status, so just after the booth's answer."""
        deadline = time.monotonic() + 5
        while settled and listing("inputs/") + listing("media/") and time.monotonic() < deadline:
            time.sleep(0.05)
        return listing(prefix)

    return files


@pytest.fixture
def api_client(db):
    """``api_client("slots:read", ...)``: a DRF client with a bearer JWT carrying those scopes."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    def make(*scopes: str) -> APIClient:
        user = get_user_model().objects.create_user(username=f"admin-{uuid.uuid4().hex[:8]}", password="pw")  # noqa: S106 (a throwaway test user)
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


@pytest.fixture
def clock(monkeypatch):
    """A controllable ``timezone.now()``: starts at the real now; ``clock.advance(seconds)``."""
    from datetime import timedelta

    from django.utils import timezone

    class Clock:
        def __init__(self) -> None:
            self.now = timezone.now()

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    fake = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake


@pytest.fixture
def workers_marked_alive():
    """Pretend a worker is consuming (its liveness key is set) for tests that run none."""
    from core.redis_clients import broker_client
    from jobs.liveness import _key

    # Left to expire rather than deleted: a real worker of the live stack may share this key.
    broker_client().set(_key(), "1", ex=30)


@pytest.fixture(autouse=True)
def _login_failures_forgotten():
    """Failed logins are counted in Redis per address (every test client is 127.0.0.1): a test's
    wrong passwords must not throttle the next test's logins. Deactivations recorded there (user
    ids may come again after a flush) must not refuse the next test's tokens."""
    yield
    import redis
    from django.conf import settings

    from photochanger import login_throttle, token_auth

    with redis.Redis.from_url(settings.REDIS_URL) as client:
        keys = [
            key
            for prefix in (login_throttle.KEY_PREFIX, token_auth.KEY_PREFIX)
            for key in client.scan_iter(match=f"{prefix}:*", count=1000)
        ]
        if keys:
            client.delete(*keys)
