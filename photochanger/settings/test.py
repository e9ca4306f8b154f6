"""Test settings: real PostgreSQL and Redis, short deadlines, test-only providers."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("T_SYNC_RESPONSE", "2")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Exported, so the worker and web processes the tests start share the same files.
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="photochanger-test-media-"))
os.environ.setdefault("GEMINI_API_KEY", "test-key-1")
# Test runs side by side on one machine (one Redis) must never consume each other's jobs.
os.environ.setdefault("CELERY_QUEUE", f"celery-{os.environ.get('PHOTOCHANGER_TEST_DB', 'test_photochanger')}")
# Exported too: the live stack's /metrics is scraped with it.
os.environ.setdefault("METRICS_TOKEN", "test-metrics-token-0123456789")

from photochanger.settings.base import *  # noqa: E402,F403
from photochanger.settings.base import DATABASES, MIDDLEWARE, PROVIDERS  # noqa: E402

# Overridable so that two test runs on one machine do not share (and destroy) one database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("PHOTOCHANGER_TEST_DB", "test_photochanger")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The live stack's gunicorn serves the admin's static files straight from the apps (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The live stack's web process outlives the flushes between transactional tests (see the class).
MIDDLEWARE = [*MIDDLEWARE, "tests.support.middleware.FreshContentTypesMiddleware"]

PROVIDERS = {
    **PROVIDERS,
    "testing": {"BACKEND": "tests.support.providers.TestingProvider"},
}
