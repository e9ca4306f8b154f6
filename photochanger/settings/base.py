"""Settings shared by every environment (local, production, test): Django itself here, each other
topic in its own module of this package. Every variable is read from the environment (or ``.env.local``
beside ``manage.py``, see environment.py) and documented in docs/configuration.md;
bad values fail at start-up, not on the first booth request."""

from __future__ import annotations

from core.logging import logging_config
from photochanger.settings.api import *  # noqa: F403
from photochanger.settings.environment import BASE_DIR, count_limit, env  # noqa: F401 (production.py reads env from here)
from photochanger.settings.keys import *  # noqa: F403
from photochanger.settings.keys import JWT_SIGNING_KEY, SECRET_KEY  # noqa: F401
from photochanger.settings.language import *  # noqa: F403
from photochanger.settings.pipeline import *  # noqa: F403
from photochanger.settings.secrets import url_password_refuse_placeholder
from photochanger.settings.storage import *  # noqa: F403
from photochanger.settings.workers import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# The booth-facing base URL, used to print ingest URLs (CLI, API, admin).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# This machine's address on the venue network, when its own guess is wrong (scripts/serve --lan).
LAN_ADDRESS = env.str("LAN_ADDRESS", default="")

INSTALLED_APPS = [
    # Before the admin: its admin/base_site.html (the header's language menu) replaces the admin's.
    "console",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    # Refresh tokens are recorded, so a logout, a rotation or a deactivation can revoke them.
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "media",
    "slots",
    "jobs",
    "ingest",
    "stats",
    "photochanger.apps.PhotoChangerConfig",
]

MIDDLEWARE = [
    # Ops endpoints first: probes and Prometheus call by IP address, before host validation.
    "photochanger.proxies.TrustedProxyMiddleware",
    "photochanger.health.HealthMiddleware",
    "photochanger.metrics.MetricsMiddleware",
    "core.log_context.LogContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin site's static files from gunicorn (collected to STATIC_ROOT by scripts/serve).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: the admin user's language cookie, else the booth's
    # Accept-Language, else LANGUAGE_CODE (photochanger/settings/language.py).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads the admin's forms: decides the body cap per view first.
    "core.bodycap.BodyCapMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "photochanger.middleware.DependencyUnavailableMiddleware",
]

ROOT_URLCONF = "photochanger.urls"
WSGI_APPLICATION = "photochanger.wsgi.application"
# A POST must never be redirected (the booth would lose the photo); ingest URLs match both forms.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url_config(
        url_password_refuse_placeholder(
            "DATABASE_URL", env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/photochanger")
        )
    )
}
# Connections are not kept per thread: a gthread web worker holds up to hundreds of waiting booth
# requests, and the ingest view gives its connection back before it waits on the result.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Fail fast when PostgreSQL is unreachable (the booth must get a clear 503, never a hang).
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
# DATABASE_URL points at a pooler in transaction mode (PgBouncer, docs/operations.md "Connection
# pooling"): a client connection costs the pooler a few KiB, so every worker pool process keeps one
# (core/db.py), and nothing may outlive a transaction on the server connection (no server-side cursors).
DATABASE_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLING
# Web processes run hundreds of threads: they share a bounded psycopg pool (gunicorn.conf.py turns
# it on) instead of opening one connection per thread and exhausting max_connections under load.
if env.bool("DATABASE_POOL", default=False):
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=16),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

TIME_ZONE = "UTC"
USE_TZ = True

# --- Operations: logs, spend -----------------------------------------------------------------
# One JSON object per line (photochanger/logging.py), secrets scrubbed; LOG_FORMAT=plain for humans.
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), fmt=env.str("LOG_FORMAT", default="json"))
# Model -> prices merged over stats.prices.DEFAULT_PRICES; validated at start-up (stats app).
PROVIDER_PRICES = env.json("PROVIDER_PRICES", default={})
PROVIDER_PRICES_CURRENCY = env.str("PROVIDER_PRICES_CURRENCY", default="USD")
# What one paid call is reserved at against a slot's budget (stats/budget.py), priced by the table:
# a photo, a prompt and a template or two in, one image out. 2000 output tokens covers a 4K
# Gemini 3 Pro image (a 1024px Flash image is 1290), so a cap is kept even by the dearer calls.
BUDGET_CALL_INPUT_TOKENS = count_limit("BUDGET_CALL_INPUT_TOKENS", env.int("BUDGET_CALL_INPUT_TOKENS", default=1500))
BUDGET_CALL_OUTPUT_TOKENS = count_limit("BUDGET_CALL_OUTPUT_TOKENS", env.int("BUDGET_CALL_OUTPUT_TOKENS", default=2000))
