"""Settings for every environment. Every variable is read here, from the environment (or a
``.env`` file beside ``manage.py``), and documented in the README's configuration table.
Bad values fail at start-up, not on the first booth request."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from photochanger.logging import logging_config
from photochanger.proxies import proxy_networks
from photochanger.settings.secrets import (
    derived_key,
    placeholder_refuse,
    secret_require,
    url_password_refuse_placeholder,
)

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def _positive(name: str, value: float, *, maximum: float | None = None) -> float:
    if value <= 0 or (maximum is not None and value > maximum):
        limit = f" and at most {maximum}" if maximum is not None else ""
        raise ImproperlyConfigured(f"{name} must be greater than 0{limit}; got {value!r}.")
    return value


def _limit(name: str, value: int) -> int:
    """A count limit where 0 means "no limit"."""
    if value < 0:
        raise ImproperlyConfigured(f"{name} must be 0 (no limit) or more; got {value!r}.")
    return value


SECRET_KEY = secret_require("DJANGO_SECRET_KEY", env.str("DJANGO_SECRET_KEY"), min_length=50)
# Signs the admin API's JWTs. Its own secret, so tokens can be rotated without invalidating every
# slot password (keyed by SECRET_KEY); production requires it, elsewhere it is derived.
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="")
if JWT_SIGNING_KEY:
    secret_require("JWT_SIGNING_KEY", JWT_SIGNING_KEY, min_length=50)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# The booth-facing base URL, used to print ingest URLs (CLI, API, admin).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
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
    "photochanger.log_context.LogContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin site's static files from gunicorn (collected to STATIC_ROOT by scripts/serve).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads the admin's forms: decides the body cap per view first.
    "photochanger.bodycap.BodyCapMiddleware",
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

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "media.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every file (inputs/, results/, templates/, media/) goes through the default storage: local disk
# under MEDIA_ROOT, or a private S3 bucket. Nothing is ever served by a public bucket URL.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
# Every S3 call is bounded: an S3 that stops answering costs a request at most S3_MAX_ATTEMPTS x
# (connect + read timeout, + 1 s on uploads for botocore's "Expect: 100-continue") and a short
# back-off between attempts, then a 503 (~16 s with these defaults; keep it well under T_SYNC_RESPONSE).
S3_CONNECT_TIMEOUT = _positive("S3_CONNECT_TIMEOUT", env.float("S3_CONNECT_TIMEOUT", default=2.0))
S3_READ_TIMEOUT = _positive("S3_READ_TIMEOUT", env.float("S3_READ_TIMEOUT", default=5.0))
S3_MAX_ATTEMPTS = int(_positive("S3_MAX_ATTEMPTS", env.int("S3_MAX_ATTEMPTS", default=2)))


def s3_client_options(*, addressing_style: str, connect_timeout: float, read_timeout: float, max_attempts: int) -> dict:
    """The ``client_config`` and ``transfer_config`` of the S3 storage (tests build theirs here too)."""
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    return {
        "client_config": Config(
            s3={"addressing_style": addressing_style},
            signature_version="s3v4",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # "total_max_attempts" counts the first attempt; botocore's "max_attempts" would count retries only.
            retries={"total_max_attempts": max_attempts, "mode": "standard"},
        ),
        # One PUT per file (photos are far below this), so an upload is one bounded call; a broken
        # download is not started over again and again (botocore's retries come first).
        "transfer_config": TransferConfig(multipart_threshold=256 * 1024 * 1024, num_download_attempts=1),
    }


if STORAGE_BACKEND == "s3":
    _s3_timeouts = {
        "connect_timeout": S3_CONNECT_TIMEOUT,
        "read_timeout": S3_READ_TIMEOUT,
        "max_attempts": S3_MAX_ATTEMPTS,
    }
    STORAGES["default"] = {
        "BACKEND": "media.storage.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "region_name": env.str("S3_REGION", default="us-east-1"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_KEY_PREFIX", default="").strip("/"),
            "default_acl": None,  # the bucket's private default; never public-read
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": True,  # keys are derived from fresh UUIDs; no rename dance needed
            **s3_client_options(addressing_style=env.str("S3_ADDRESSING_STYLE", default="auto"), **_s3_timeouts),
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3'; got {STORAGE_BACKEND!r}.")

# --- Pipeline timing -------------------------------------------------------------------------
# The one clock: job.deadline = received + T_SYNC_RESPONSE; every other budget derives from it.
T_SYNC_RESPONSE = _positive("T_SYNC_RESPONSE", env.float("T_SYNC_RESPONSE", default=50.0), maximum=600)
MEDIA_TTL_SECONDS = _positive("MEDIA_TTL_SECONDS", env.float("MEDIA_TTL_SECONDS", default=60.0))
RESULT_TTL_HOURS = _positive("RESULT_TTL_HOURS", env.float("RESULT_TTL_HOURS", default=72.0))
CLEANUP_PERIOD_SECONDS = _positive("CLEANUP_PERIOD_SECONDS", env.float("CLEANUP_PERIOD_SECONDS", default=30.0))
# A pending/processing job this long past its deadline is presumed orphaned (dead web or worker).
STALE_JOB_GRACE_SECONDS = _positive("STALE_JOB_GRACE_SECONDS", env.float("STALE_JOB_GRACE_SECONDS", default=10.0))
# A stored file without a row is deleted (by beat, this often) once this old. Files are written just
# before their row commits: the age must exceed any request's or task's life (T_SYNC_RESPONSE + 30 s
# at most), with minutes to spare for clock skew between the storage and the hosts.
STORAGE_ORPHAN_MIN_AGE_SECONDS = env.float("STORAGE_ORPHAN_MIN_AGE_SECONDS", default=3600.0)
if STORAGE_ORPHAN_MIN_AGE_SECONDS < T_SYNC_RESPONSE + 300:
    raise ImproperlyConfigured(
        f"STORAGE_ORPHAN_MIN_AGE_SECONDS must be at least T_SYNC_RESPONSE + 300 "
        f"({T_SYNC_RESPONSE + 300:g}); got {STORAGE_ORPHAN_MIN_AGE_SECONDS!r}."
    )

# --- Ingest limits ---------------------------------------------------------------------------
UPLOAD_MAX_BYTES = int(_positive("UPLOAD_MAX_BYTES", env.int("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)))
# Larger images are refused (decompression bomb guard); it sets the memory budget (README). The
# default admits a 50.3 MP camera (8688 x 5792).
IMAGE_MAX_PIXELS = int(_positive("IMAGE_MAX_PIXELS", env.int("IMAGE_MAX_PIXELS", default=52_000_000)))
# Image checks one process runs at once (each may hold 8 bytes per pixel of IMAGE_MAX_PIXELS), and
# how long a request waits for its turn before a 503.
IMAGE_CHECKS_PER_PROCESS = int(_positive("IMAGE_CHECKS_PER_PROCESS", env.int("IMAGE_CHECKS_PER_PROCESS", default=4)))
IMAGE_CHECK_WAIT_SECONDS = _positive("IMAGE_CHECK_WAIT_SECONDS", env.float("IMAGE_CHECK_WAIT_SECONDS", default=10.0))
# Failed slot passwords allowed per client address and slot in a window, then 429 (0 disables).
INGEST_AUTH_FAILURE_LIMIT = env.int("INGEST_AUTH_FAILURE_LIMIT", default=10)
INGEST_AUTH_FAILURE_WINDOW_SECONDS = _positive(
    "INGEST_AUTH_FAILURE_WINDOW_SECONDS", env.float("INGEST_AUTH_FAILURE_WINDOW_SECONDS", default=300.0)
)
# Jobs one slot may have in flight before its booth gets 429 (0 disables).
SLOT_MAX_IN_FLIGHT = _limit("SLOT_MAX_IN_FLIGHT", env.int("SLOT_MAX_IN_FLIGHT", default=50))
# Booth resends waiting on one job, and on all of one slot's jobs, before a further resend gets 429
# at once (0 disables): each waiting request holds a web thread until the job's deadline.
JOB_MAX_WAITING_RETRIES = _limit("JOB_MAX_WAITING_RETRIES", env.int("JOB_MAX_WAITING_RETRIES", default=4))
SLOT_MAX_WAITING_RETRIES = _limit("SLOT_MAX_WAITING_RETRIES", env.int("SLOT_MAX_WAITING_RETRIES", default=20))
# A booth resending the same photo (or Idempotency-Key) within this window gets the first job's answer.
IDEMPOTENCY_WINDOW_SECONDS = _positive(
    "IDEMPOTENCY_WINDOW_SECONDS", env.float("IDEMPOTENCY_WINDOW_SECONDS", default=300.0)
)
# Addresses or networks of the reverse proxies in front of the web tier. Only a request whose peer
# is one of them may say, in X-Forwarded-For / X-Forwarded-Proto, who the client is and that it
# used HTTPS (photochanger/proxies.py); anyone else's forwarded headers are dropped.
TRUSTED_PROXY_CIDRS = proxy_networks(env.list("TRUSTED_PROXY_CIDRS", default=[]))
# Failed logins (API token endpoint and admin site) per username and per client address within the
# window, then 429 for that username or address until the window ends (0 disables a limit).
LOGIN_FAILURE_LIMIT_PER_USERNAME = env.int("LOGIN_FAILURE_LIMIT_PER_USERNAME", default=10)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=30)
if min(LOGIN_FAILURE_LIMIT_PER_USERNAME, LOGIN_FAILURE_LIMIT_PER_ADDRESS) < 0:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT_PER_USERNAME and _PER_ADDRESS must be 0 (off) or a count.")
LOGIN_FAILURE_WINDOW_SECONDS = _positive(
    "LOGIN_FAILURE_WINDOW_SECONDS", env.float("LOGIN_FAILURE_WINDOW_SECONDS", default=900.0)
)
# Multipart text fields (booth metadata) are small; the photo is handled by the upload handlers.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# Of those fields, a job keeps at most this many bytes (UTF-8 names and values; 0: none are kept).
BOOTH_FIELDS_MAX_BYTES = env.int("BOOTH_FIELDS_MAX_BYTES", default=16384)
if BOOTH_FIELDS_MAX_BYTES < 0:
    raise ImproperlyConfigured(f"BOOTH_FIELDS_MAX_BYTES must be 0 or more; got {BOOTH_FIELDS_MAX_BYTES}.")
# Every request body is capped before it is read (photochanger/bodycap.py): this for every view
# that takes no file, UPLOAD_MAX_BYTES plus the multipart framing for the few that do.
_BODY_DEFAULT = DATA_UPLOAD_MAX_MEMORY_SIZE + 64 * 1024
REQUEST_BODY_MAX_BYTES = int(
    _positive("REQUEST_BODY_MAX_BYTES", env.int("REQUEST_BODY_MAX_BYTES", default=_BODY_DEFAULT))
)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

# --- Providers -------------------------------------------------------------------------------
PROVIDERS: dict[str, dict] = {
    "local": {"BACKEND": "providers.local.LocalProvider"},
    "gemini": {
        "BACKEND": "providers.gemini.GeminiProvider",
        "OPTIONS": {
            "api_keys": env.list("GEMINI_API_KEY", default=[]),
            "base_url": env.str("GEMINI_BASE_URL", default="") or None,
            "api_version": env.str("GEMINI_API_VERSION", default="v1beta"),
            "timeout": _positive("GEMINI_TIMEOUT", env.float("GEMINI_TIMEOUT", default=45.0)),
            "max_input_side": int(_positive("GEMINI_MAX_INPUT_SIDE", env.int("GEMINI_MAX_INPUT_SIDE", default=2048))),
        },
    },
}

# --- Admin REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    # Every endpoint names the scope it needs; HasScope refuses a view that names none.
    "DEFAULT_PERMISSION_CLASSES": ["photochanger.api.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only; the views that take a file name their multipart parser themselves.
    "DEFAULT_PARSER_CLASSES": ["photochanger.api.SizeLimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "photochanger.api.ApiPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "photochanger.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    # Client identity is REMOTE_ADDR only (a trusted proxy's forwarded address is put there first).
    "NUM_PROXIES": 0,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.float("JWT_ACCESS_MINUTES", default=15.0)),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=env.float("JWT_REFRESH_HOURS", default=24.0)),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY or derived_key(SECRET_KEY, purpose="photochanger.jwt-signing-key"),
    "TOKEN_OBTAIN_SERIALIZER": "photochanger.auth.ScopedTokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "photochanger.auth.ScopedTokenRefreshSerializer",
    "UPDATE_LAST_LOGIN": True,
    # A refresh token is good for one refresh: it answers a new one and is blacklisted.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a digest of the password hash: a password change revokes every token issued before.
    "CHECK_REVOKE_TOKEN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PhotoChanger admin API",
    "DESCRIPTION": "Slots, providers, template media, temporary media, jobs and results. "
    "Authenticate with a bearer JWT from /api/auth/token/; each endpoint needs the scope it names.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["photochanger.api.SchemaViewer"],
    "SERVE_AUTHENTICATION": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "photochanger.api_schema.add_common_error_responses",
    ],
}
# Registered temporary media (UC4) live this long; links answer 410 Gone afterwards.
# (MEDIA_TTL_SECONDS above.) Signed result share links live at most this long.
RESULT_LINK_TTL_SECONDS = _positive(
    "RESULT_LINK_TTL_SECONDS", env.float("RESULT_LINK_TTL_SECONDS", default=24 * 3600.0)
)

# --- Celery ----------------------------------------------------------------------------------
REDIS_URL = url_password_refuse_placeholder("REDIS_URL", env.str("REDIS_URL", default="redis://127.0.0.1:6379/0"))
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# Workers consume this queue; separate fleets (or test runs) sharing one Redis use separate names.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# One job per worker process at a time; a job is acknowledged on receipt, because redelivering it
# after its deadline is useless (the cleanup ends such jobs instead).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_TRACK_STARTED = True
# The waiting web request reads the result at once; results are ids and status codes only.
CELERY_RESULT_EXPIRES = 600
# Backstops only: each job's task gets limits derived from its own deadline when it is enqueued.
CELERY_TASK_SOFT_TIME_LIMIT = T_SYNC_RESPONSE + 5
CELERY_TASK_TIME_LIMIT = T_SYNC_RESPONSE + 15
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=8)
# Pool processes keep their database connection between tasks when the pool has at most this many
# processes (photochanger/db.py); a bigger pool connects per task. Connections are kept this long.
WORKER_DB_PERSISTENT_MAX_POOL = env.int("WORKER_DB_PERSISTENT_MAX_POOL", default=32)
if WORKER_DB_PERSISTENT_MAX_POOL < 0:
    raise ImproperlyConfigured("WORKER_DB_PERSISTENT_MAX_POOL must be 0 (never) or a pool size.")
WORKER_DB_CONN_MAX_AGE = int(_positive("WORKER_DB_CONN_MAX_AGE", env.int("WORKER_DB_CONN_MAX_AGE", default=300)))
# Celery's Django fixup would close connections around every task; photochanger/db.py decides.
CELERY_DB_REUSE_MAX = 2**31
# A pool process that grew past this (KiB) after a task is replaced; 0 = never. Freed image memory
# is not always given back to the system; the default (an idle ~110 MB process plus a 24 MP
# photo's working set) replaces a process left holding a bigger photo's (README: memory budget).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600_000) or None
# Beat writes its schedule file after every task it sends: the file's age is its health check.
CELERY_BEAT_SYNC_EVERY = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage must turn into a quick 503, not a booth request hanging on reconnects.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "visibility_timeout": 3600}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
# The waiting booth request must not sit in the result backend's reconnect loop (20 tries, 1 s
# apart, by default) past its deadline: fail fast, and ingest falls back to watching the job row.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
}
# One beat process runs these; each task is idempotent and safe to overlap with itself.
CELERY_BEAT_SCHEDULE = {
    "cleanup-expired-media": {"task": "jobs.cleanup_expired_media", "schedule": CLEANUP_PERIOD_SECONDS},
    "cleanup-stale-jobs": {"task": "jobs.cleanup_stale_jobs", "schedule": CLEANUP_PERIOD_SECONDS},
    "cleanup-expired-results": {"task": "jobs.cleanup_expired_results", "schedule": CLEANUP_PERIOD_SECONDS},
    "cleanup-expired-booth-fields": {"task": "jobs.cleanup_expired_booth_fields", "schedule": CLEANUP_PERIOD_SECONDS},
    "cleanup-storage-orphans": {"task": "jobs.cleanup_storage_orphans", "schedule": STORAGE_ORPHAN_MIN_AGE_SECONDS},
}

# --- Operations: logs, metrics, spend --------------------------------------------------------
# One JSON object per line (photochanger/logging.py), secrets scrubbed; LOG_FORMAT=plain for humans.
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), fmt=env.str("LOG_FORMAT", default="json"))
# Bearer token for GET /metrics; empty turns the endpoint off (404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN:
    secret_require("METRICS_TOKEN", METRICS_TOKEN, min_length=32)
# Passwords with no length rule: the S3 key (whichever backend is on), and those the compose
# services (PostgreSQL, Flower, MinIO, Redis) read from the same env file, checked here too so that a
# copied .env.example stops the whole stack at its first app process.
for _name in (
    "S3_SECRET_ACCESS_KEY",
    "POSTGRES_PASSWORD",
    "FLOWER_BASIC_AUTH",
    "MINIO_ROOT_PASSWORD",
    "REDIS_PASSWORD",
):
    placeholder_refuse(_name, env.str(_name, default=""))
# Model -> prices merged over stats.prices.DEFAULT_PRICES; validated at start-up (stats app).
PROVIDER_PRICES = env.json("PROVIDER_PRICES", default={})
PROVIDER_PRICES_CURRENCY = env.str("PROVIDER_PRICES_CURRENCY", default="USD")
