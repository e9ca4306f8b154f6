"""Test settings: real PostgreSQL and Redis, short deadlines, test-only providers."""

from __future__ import annotations

import os
import tempfile

# Fixed values, used only by the suite (they pass the same strength checks as real ones).
os.environ.setdefault("DJANGO_SECRET_KEY", "tEst0nly-9fQ2vLx7Rk3mWz8Hc5Nb1Jd6Gs4Pa0Ye-Uo2Ti7Kq9Xw3Vr5Zn8Lm1")
os.environ.setdefault("JWT_SIGNING_KEY", "tEst0nly-jwt-4Hq7Ws2Ek9Rd3Yf6Tg1Uh8Ij5Ok0Pl-Za7Xs2Cd9Vf4Bg6Nh3M")
os.environ.setdefault("T_SYNC_RESPONSE", "2")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Exported, so the worker and web processes the tests start share the same files.
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="photochanger-test-media-"))
os.environ.setdefault("GEMINI_API_KEY", "test-key-1")
# Test runs side by side on one machine (one Redis) must never consume each other's jobs.
os.environ.setdefault("CELERY_QUEUE", f"celery-{os.environ.get('PHOTOCHANGER_TEST_DB', 'test_photochanger')}")
# Exported too: the live stack's /metrics is scraped with it.
os.environ.setdefault("METRICS_TOKEN", "tEst0nly-metrics-Qw3Er5Ty7Ui9Op2As4Df6Gh8Jk")

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
    "gemini_nokey": {"BACKEND": "tests.support.providers.UnconfiguredGeminiProvider", "OPTIONS": {"api_keys": []}},
}
