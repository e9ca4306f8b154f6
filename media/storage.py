"""Storage keys and walking, and the storage backends. Every file goes through Django's storage API,
so S3 works like local disk.

The backends are Django's and django-storages' own, with one change: a failure of the storage
itself (refused or timed-out connections, S3 errors, a disk that cannot be written) is raised as
``StorageUnavailable`` (503) instead of the backend's exception, which would be a 500; a missing file
stays ``FileNotFoundError``. Reads of S3 download the file inside ``open``, so a failure surfaces
there, while the caller can still answer with an error, not half-way through a streamed response.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import FileSystemStorage as DjangoFileSystemStorage
from django.core.files.storage import Storage
from s3transfer.exceptions import RetriesExceededError
from storages.backends.s3 import S3Storage as DjangoS3Storage

from core.errors import StorageUnavailable

logger = logging.getLogger(__name__)

INPUTS = "inputs"
RESULTS = "results"
TEMPLATES = "templates"
MEDIA = "media"
PREFIXES = (INPUTS, RESULTS, TEMPLATES, MEDIA)


def storage_key(prefix: str, object_id: UUID | str, ext: str) -> str:
    return f"{prefix}/{object_id}.{ext}"


def storage_walk(storage: Storage, prefix: str) -> Iterator[str]:
    """Every file key under ``prefix`` (recursively), on local disk and S3 alike."""
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{prefix}/{name}"
    for directory in directories:
        yield from storage_walk(storage, f"{prefix}/{directory}")


def _unavailable(name: str, exc: BaseException) -> StorageUnavailable:
    logger.error("storage unavailable (%s): %s: %s", name, type(exc).__name__, exc)
    return StorageUnavailable()


@contextmanager
def _s3_failures(name: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            raise FileNotFoundError(f"No file at {name}") from exc
        raise _unavailable(name, exc) from exc
    except (BotoCoreError, Boto3Error, RetriesExceededError) as exc:
        raise _unavailable(name, exc) from exc


@contextmanager
def _disk_failures(name: str) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _unavailable(name, exc) from exc


class S3Storage(DjangoS3Storage):
    """django-storages' S3 storage; its calls are bounded by the ``client_config`` in the settings."""

    def _open(self, name, mode="rb"):
        with _s3_failures(name):
            file = super()._open(name, mode)
            if "r" in mode:
                file.file  # noqa: B018 - downloads it now (see the module's docstring)
        return file

    def _save(self, name, content):
        with _s3_failures(name):
            return super()._save(name, content)

    def delete(self, name):
        with _s3_failures(name):
            super().delete(name)

    def exists(self, name):
        with _s3_failures(name):
            return super().exists(name)

    def size(self, name):
        with _s3_failures(name):
            return super().size(name)

    def listdir(self, name):
        with _s3_failures(name):
            return super().listdir(name)

    def get_modified_time(self, name):
        with _s3_failures(name):
            return super().get_modified_time(name)


class FileSystemStorage(DjangoFileSystemStorage):
    """Django's local-disk storage; a disk that cannot be read or written is ``StorageUnavailable``."""

    def _open(self, name, mode="rb"):
        with _disk_failures(name):
            return super()._open(name, mode)

    def _save(self, name, content):
        with _disk_failures(name):
            return super()._save(name, content)

    def delete(self, name):
        with _disk_failures(name):
            super().delete(name)

    def size(self, name):
        with _disk_failures(name):
            return super().size(name)

    def listdir(self, name):
        with _disk_failures(name):
            return super().listdir(name)

    def get_modified_time(self, name):
        with _disk_failures(name):
            return super().get_modified_time(name)
