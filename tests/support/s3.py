"""A real S3-compatible server (moto's standalone server, over HTTP on 127.0.0.1) for tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from django.conf import settings

from photochanger.settings.base import s3_client_options

BUCKET = "photochanger-test"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    def __init__(self) -> None:
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def start(self, log: Path) -> S3Server:
        binary = Path(sys.executable).parent / "moto_server"
        self._process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(self.port)], stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("moto_server did not start")
        self.client().create_bucket(Bucket=BUCKET)
        return self

    def stop(self) -> None:
        if self._process:
            self._process.terminate()
            self._process.wait(timeout=10)

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", **CREDENTIALS)

    def keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=BUCKET)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def empty(self) -> None:
        client = self.client()
        for key in self.keys():
            client.delete_object(Bucket=BUCKET, Key=key)

    def env(self) -> dict[str, str]:
        """The environment that points PhotoChanger's settings at this server."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
            "S3_ADDRESSING_STYLE": "path",
        }

    def storages(self, base: dict, *, endpoint: str | None = None) -> dict:
        """``settings.STORAGES`` with the default storage on this server (same options as base.py);
        ``endpoint``: reach it through another address (a proxy that can cut it off)."""
        return {
            **base,
            "default": {
                "BACKEND": "media.storage.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "us-east-1",
                    "endpoint_url": endpoint or self.endpoint,
                    "access_key": CREDENTIALS["aws_access_key_id"],
                    "secret_key": CREDENTIALS["aws_secret_access_key"],
                    "default_acl": None,
                    "querystring_auth": True,
                    "file_overwrite": True,
                    **s3_client_options(
                        addressing_style="path",
                        connect_timeout=settings.S3_CONNECT_TIMEOUT,
                        read_timeout=settings.S3_READ_TIMEOUT,
                        max_attempts=settings.S3_MAX_ATTEMPTS,
                    ),
                },
            },
        }
