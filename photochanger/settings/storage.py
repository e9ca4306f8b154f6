"""Where files live: static files, and every stored file (local disk or a private S3 bucket)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from photochanger.settings.environment import BASE_DIR, env, positive

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "media.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every file (inputs/, results/, templates/, media/) goes through the default storage: local disk
# under MEDIA_ROOT, or a private S3 bucket. Nothing is ever served by a public bucket URL.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
# Every S3 call is bounded: an S3 that stops answering costs a request at most S3_MAX_ATTEMPTS x
# (connect + read timeout, + 1 s on uploads for botocore's "Expect: 100-continue") and a short
# back-off between attempts, then a 503 (~16 s with these defaults; keep it well under T_SYNC_RESPONSE).
S3_CONNECT_TIMEOUT = positive("S3_CONNECT_TIMEOUT", env.float("S3_CONNECT_TIMEOUT", default=2.0))
S3_READ_TIMEOUT = positive("S3_READ_TIMEOUT", env.float("S3_READ_TIMEOUT", default=5.0))
S3_MAX_ATTEMPTS = int(positive("S3_MAX_ATTEMPTS", env.int("S3_MAX_ATTEMPTS", default=2)))


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
            **s3_client_options(
                addressing_style=env.str("S3_ADDRESSING_STYLE", default="auto"),
                connect_timeout=S3_CONNECT_TIMEOUT,
                read_timeout=S3_READ_TIMEOUT,
                max_attempts=S3_MAX_ATTEMPTS,
            ),
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3'; got {STORAGE_BACKEND!r}.")
