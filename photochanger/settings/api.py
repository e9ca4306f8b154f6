"""Providers, and the admin REST API: authentication, JWTs, the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta

from photochanger.settings.environment import count_limit, env, positive
from photochanger.settings.keys import JWT_SIGNING_KEY, SECRET_KEY
from photochanger.settings.secrets import derived_key, url_password_refuse_placeholder

# --- Providers -------------------------------------------------------------------------------
PROVIDERS: dict[str, dict] = {
    "local": {"BACKEND": "providers.local.LocalProvider"},
    "gemini": {
        "BACKEND": "providers.gemini.GeminiProvider",
        "OPTIONS": {
            "api_keys": env.list("GEMINI_API_KEY", default=[]),
            "base_url": env.str("GEMINI_BASE_URL", default="") or None,
            "api_version": env.str("GEMINI_API_VERSION", default="v1beta"),
            "timeout": positive("GEMINI_TIMEOUT", env.float("GEMINI_TIMEOUT", default=45.0)),
            "max_input_side": int(positive("GEMINI_MAX_INPUT_SIDE", env.int("GEMINI_MAX_INPUT_SIDE", default=2048))),
        },
    },
}
# The fleet-wide circuit breaker per provider and model (jobs/breaker.py): this many transient
# failures within the window, with no success between, switch the model off for the cool-down
# (0 failures: no breaker). Its state lives in Redis (REDIS_URL unless set); Redis down = no breaker.
PROVIDER_BREAKER_FAILURES = count_limit("PROVIDER_BREAKER_FAILURES", env.int("PROVIDER_BREAKER_FAILURES", default=5))
PROVIDER_BREAKER_WINDOW_SECONDS = positive(
    "PROVIDER_BREAKER_WINDOW_SECONDS", env.float("PROVIDER_BREAKER_WINDOW_SECONDS", default=60.0)
)
PROVIDER_BREAKER_COOLDOWN_SECONDS = positive(
    "PROVIDER_BREAKER_COOLDOWN_SECONDS", env.float("PROVIDER_BREAKER_COOLDOWN_SECONDS", default=30.0)
)
PROVIDER_BREAKER_REDIS_URL = url_password_refuse_placeholder(
    "PROVIDER_BREAKER_REDIS_URL", env.str("PROVIDER_BREAKER_REDIS_URL", default="")
)

# --- Admin REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    # simplejwt's, plus: access tokens issued before their user's last deactivation are refused.
    "DEFAULT_AUTHENTICATION_CLASSES": ["photochanger.token_auth.RevocableJWTAuthentication"],
    # Every endpoint names the scope it needs; HasScope refuses a view that names none.
    "DEFAULT_PERMISSION_CLASSES": ["core.api.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only; the views that take a file name their multipart parser themselves.
    "DEFAULT_PARSER_CLASSES": ["core.api.SizeLimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.ApiPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    # Non-ASCII is escaped (\uXXXX): an error that echoes a client's lone surrogate (a field name,
    # a value) must still encode, or the 422 about it would become a 500.
    "UNICODE_JSON": False,
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
    "SERVE_PERMISSIONS": ["core.api.SchemaViewer"],
    "SERVE_AUTHENTICATION": [
        "photochanger.token_auth.RevocableJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.add_common_error_responses",
    ],
}
# Registered temporary media (docs/spec.md, UC4) live this long; links answer 410 Gone afterwards.
# (MEDIA_TTL_SECONDS above.) Signed result share links live at most this long.
RESULT_LINK_TTL_SECONDS = positive("RESULT_LINK_TTL_SECONDS", env.float("RESULT_LINK_TTL_SECONDS", default=24 * 3600.0))
