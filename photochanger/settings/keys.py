"""Secrets: read once, refused when weak or still a placeholder (photochanger/settings/secrets.py)."""

from __future__ import annotations

from photochanger.settings.environment import env
from photochanger.settings.secrets import placeholder_refuse, secret_require

SECRET_KEY = secret_require("DJANGO_SECRET_KEY", env.str("DJANGO_SECRET_KEY"), min_length=50)
# Signs the admin API's JWTs. Its own secret, so tokens can be rotated without invalidating every
# slot password (keyed by SECRET_KEY); production requires it, elsewhere it is derived.
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="")
if JWT_SIGNING_KEY:
    secret_require("JWT_SIGNING_KEY", JWT_SIGNING_KEY, min_length=50)
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
