"""Every upload's checks in one place: reading a multipart body under the file-size cap, the size
limit, the image check, and their 400, 413 and 415 answers, for the booth endpoint, the media API,
the admin's template upload and the admin's test run alike.

The declared ``Content-Length`` and chunked bodies are answered before any view runs, by the body
cap (core/bodycap.py); what is left here is what only the view can tell.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import IO, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from core.bodycap import upload_too_large_message
from core.errors import ApplicationError, RequestBodyTimeout
from media.images import ACCEPTED_TEXT, CheckedImage, UnsupportedImage, image_check
from providers.base import PhotoForm
from providers.plain_words import exception_plain_text

Parsed = TypeVar("Parsed")


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


def upload_too_large(noun: str = "file") -> ApplicationError:
    return ApplicationError(upload_too_large_message(noun), code="file_too_large", status=413)


def multipart_read(request: HttpRequest, parse: Callable[[], Parsed], *, noun: str = "file") -> Parsed:
    """``parse()`` (whatever reads ``request``'s multipart body: ``request.FILES``, DRF's
    ``request.data``) with the size cap first among the upload handlers, so an oversized file is
    never buffered. Raises ``ApplicationError``: 413 ``file_too_large``, 400 ``bad_request`` for a
    malformed body. A body that does not arrive in time is the body cap's to answer (408)."""
    cap = SizeCapUploadHandler(settings.UPLOAD_MAX_BYTES, request)
    request.upload_handlers.insert(0, cap)
    try:
        parsed = parse()
    except RequestDataTooBig as exc:
        raise upload_too_large(noun) from exc
    except RequestBodyTimeout:
        raise
    except (MultiPartParserError, SuspiciousOperation) as exc:
        # No reprs ("None", b'…') in the message.
        message = _("Malformed multipart body: %(reason)s.") % {"reason": exception_plain_text(exc).rstrip(".")}
        raise ApplicationError(message, code="bad_request", status=400) from exc
    if cap.exceeded:
        raise upload_too_large(noun)
    return parsed


def upload_image_check(upload: IO[bytes], *, noun: str = "file", form: PhotoForm | None = None) -> CheckedImage:
    """The size limit, then ``image_check``: 413 ``file_too_large`` for a file over
    UPLOAD_MAX_BYTES, 415 ``unsupported_media_type`` for anything unusable (empty, not JPEG, PNG,
    WebP, HEIC/HEIF or AVIF, a decompression bomb). ``form``: the provider's photo form (see ``image_check``)."""
    size = getattr(upload, "size", None)  # Django's uploads always have it; a plain stream may not
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        raise upload_too_large(noun)
    try:
        return image_check(upload, max_pixels=settings.IMAGE_MAX_PIXELS, form=form)
    except UnsupportedImage as exc:
        raise ApplicationError(
            _("Not a usable %(formats)s image: %(reason)s") % {"formats": ACCEPTED_TEXT, "reason": exc},
            code="unsupported_media_type",
            status=415,
        ) from exc


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
