"""Reading the booth's multipart body with a hard size cap, without buffering an oversized body."""

from __future__ import annotations

import hashlib
from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.datastructures import MultiValueDict


class UploadTooLarge(Exception):
    pass


class SizeCapUploadHandler(FileUploadHandler):
    """Counts file bytes as they stream in and stops reading once the cap is passed.

    Sits first in the handler chain, so later handlers never see bytes past the cap.
    """

    def __init__(self, max_bytes: int, request=None) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def first_image_upload(files: MultiValueDict[str, UploadedFile]) -> UploadedFile | None:
    """DSLR Remote Pro sends ``fileToUpload``; other clients may name the field differently."""
    if "fileToUpload" in files:
        return files.get("fileToUpload")
    for name in files:
        return files.get(name)
    return None


def upload_sha256(upload: IO[bytes]) -> str:
    """Content hash of the photo: a booth resending the same shot sends the same bytes."""
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(1024 * 1024):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
