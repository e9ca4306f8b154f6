"""``POST /ingest/{slot_id}``: the booth's photo in, the processed photo out, same request."""

from __future__ import annotations

import base64
import binascii
import math
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from core.bodycap import body_timeout_response
from core.db import connection_release
from core.errors import ApplicationError, RequestBodyTimeout, application_error_response, error_response
from core.provider_registry import provider_photo_form
from ingest.guards import (
    auth_failure_record,
    client_address,
    retry_waiting_place,
    slot_over_capacity,
)
from ingest.services import (
    PhotoAlreadyAccepted,
    booth_metadata,
    idempotency_key_clean,
    ingest_accept,
    ingest_await,
    ingest_duplicate_find,
)
from jobs.liveness import workers_alive
from jobs.models import Job, JobStatus
from jobs.services import SlotBusy
from media.images import UnsupportedImage, image_check
from media.uploads import SizeCapUploadHandler, first_image_upload, upload_sha256
from slots.models import Slot
from slots.selectors import slot_get
from slots.services import slot_secret_matches

FAILURE_STATUS: dict[str, int] = {
    JobStatus.FAILED_PROVIDER: 502,
    JobStatus.FAILED_TIMEOUT: 504,
    JobStatus.CANCELLED: 409,
}
FAILURE_MESSAGE: dict[str, str] = {
    JobStatus.FAILED_PROVIDER: "The image provider failed to process the photo.",
    JobStatus.FAILED_TIMEOUT: "No result before the response deadline.",
    JobStatus.CANCELLED: "The job was cancelled by an administrator.",
}


def _password(request: HttpRequest) -> str:
    """The slot password: form field (DSLR Remote Pro), ``X-Slot-Password`` or HTTP Basic."""
    if request.POST.get("password"):
        return request.POST["password"]
    if request.headers.get("X-Slot-Password"):
        return request.headers["X-Slot-Password"]
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(credentials, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return ""


def _job_response(job: Job) -> HttpResponseBase:
    if job.status == JobStatus.COMPLETED:
        result = job.result
        served = FileResponse(default_storage.open(result.storage_key, "rb"), content_type=result.content_type)
        served["Content-Length"] = str(result.size)
        served["X-Job-Id"] = str(job.id)
        served["Cache-Control"] = "no-store"
        return served
    code = job.failure_code if job.status == JobStatus.FAILED_PROVIDER else job.status
    status, message = FAILURE_STATUS[job.status], FAILURE_MESSAGE[job.status]
    headers = {}
    if job.failure_code == "queue_unavailable":  # Redis failed under the job: say so, not "timeout"
        status, code, message = 503, "queue_unavailable", "The processing queue failed; try again shortly."
        headers = {"Retry-After": "5"}
    elif job.failure_code == "storage_unavailable":  # the photo or result could not be read or stored
        status, message, headers = 503, "File storage is unavailable; try again shortly.", {"Retry-After": "5"}
    response = error_response(status, code, message, headers=headers, job_id=str(job.id))
    response["X-Job-Id"] = str(job.id)
    return response


def _password_refusal(request: HttpRequest, slot: Slot) -> HttpResponse | None:
    """401 for a wrong password, 429 once its client failed too often. The right password is never
    refused: the limit holds back a guesser (and flags abuse), not the booth beside it."""
    if slot_secret_matches(slot=slot, secret=_password(request)):
        return None
    if wait := auth_failure_record(slot=slot, client=client_address(request)):
        return error_response(
            429,
            "too_many_failed_passwords",
            "Too many wrong passwords; try again later.",
            headers={"Retry-After": str(wait)},
        )
    return error_response(401, "invalid_password", "Missing or wrong slot password.")


def _resend_response(original: Job) -> HttpResponseBase:
    """Answer a booth's resend with its original job, waiting for it among a bounded few."""
    if original.is_final:
        return _job_response(original)
    with retry_waiting_place(job=original) as admitted:
        if not admitted:
            return error_response(
                429,
                "too_many_retries",
                "This photo is being processed and enough resends already wait for it; try again shortly.",
                headers={"Retry-After": str(max(1, math.ceil(original.seconds_left())))},
                job_id=str(original.id),
            )
        return _job_response(ingest_await(job=original))


def _new_photo_response(
    request: HttpRequest,
    slot: Slot,
    upload: UploadedFile,
    *,
    received_at: datetime,
    photo_sha256: str,
    idempotency_key: str,
) -> HttpResponseBase:
    """Check the photo, accept it as a new job and answer with the job's outcome. Raises
    ``ApplicationError`` (slot busy, or deleted, disabled or given a new password meanwhile, key
    reused, queue down)."""
    try:
        photo_form = provider_photo_form(provider=slot.provider, operation=slot.operation)
        image = image_check(upload, max_pixels=settings.IMAGE_MAX_PIXELS, form=photo_form)
    except UnsupportedImage as exc:
        return error_response(415, "unsupported_media_type", f"Not a usable JPEG, PNG or WebP image: {exc}")
    if slot_over_capacity(slot=slot):  # a quick look before storing the photo; job_create enforces the cap
        raise SlotBusy()
    if not workers_alive():
        return error_response(
            503,
            "no_workers",
            "No worker is processing photos right now; try again shortly.",
            headers={"Retry-After": "10"},
        )
    try:
        job = ingest_accept(
            slot=slot,
            upload=upload,
            image=image,
            metadata=booth_metadata(dict(request.POST.lists())),
            received_at=received_at,
            input_sha256=photo_sha256,
            idempotency_key=idempotency_key,
            max_in_flight=settings.SLOT_MAX_IN_FLIGHT,
            # ``slot`` was read before the upload: the job's transaction checks it still has this secret.
            secret_hash_checked=slot.secret_hash,
        )
    except PhotoAlreadyAccepted as raced:  # a resend of this photo created its job first
        return _resend_response(raced.job)
    return _job_response(ingest_await(job=job))


@method_decorator(csrf_exempt, name="dispatch")
class IngestApi(View):
    http_method_names = ["post"]
    accepts_uploads = True  # photochanger/bodycap.py

    def http_method_not_allowed(self, request, *args, **kwargs):
        return error_response(405, "method_not_allowed", "Use POST with a multipart photo.", headers={"Allow": "POST"})

    def post(self, request: HttpRequest, slot_id: str) -> HttpResponseBase:
        received_at = timezone.now()
        slot = slot_get(slot_id=slot_id)
        if slot is None:
            return error_response(404, "slot_not_found", "No slot has this id.")
        # Reading and checking the photo is the slow part and needs no database: give the
        # connection back to the pool meanwhile, so hundreds of uploads share a few connections.
        connection_release()
        if refusal := self._body_refusal(request):
            return refusal
        if refusal := _password_refusal(request, slot):
            return refusal
        if not slot.is_active:
            return error_response(403, "slot_disabled", "This slot is disabled.")
        if len(request.FILES) > 1:
            return error_response(400, "too_many_files", "Send exactly one photo per request.")
        upload = first_image_upload(request.FILES)
        if upload is None:
            return error_response(400, "no_file", "The request has no photo file.")
        if upload.size == 0:
            return error_response(415, "unsupported_media_type", "The photo file is empty.")
        try:
            idempotency_key = idempotency_key_clean(request.headers.get("Idempotency-Key", ""))
            photo_sha256 = upload_sha256(upload)
            # A resend: these bytes were checked when its original came, so no second check.
            original = ingest_duplicate_find(slot=slot, input_sha256=photo_sha256, idempotency_key=idempotency_key)
            if original is not None:
                return _resend_response(original)
            return _new_photo_response(
                request,
                slot,
                upload,
                received_at=received_at,
                photo_sha256=photo_sha256,
                idempotency_key=idempotency_key,
            )
        except ApplicationError as exc:
            return application_error_response(exc)

    def _body_refusal(self, request: HttpRequest) -> HttpResponse | None:
        """Reads the multipart body under the size cap; the refusal when it cannot be read. (The
        declared length and chunked bodies were already answered by photochanger/bodycap.py.)"""
        if not (request.content_type or "").startswith("multipart/form-data"):
            return error_response(400, "bad_request", "Send the photo as multipart/form-data.")
        cap = SizeCapUploadHandler(settings.UPLOAD_MAX_BYTES, request)
        request.upload_handlers.insert(0, cap)
        try:
            request.FILES, request.POST  # noqa: B018 (parses the body)
        except RequestDataTooBig:
            return self._too_large()
        except RequestBodyTimeout:
            return body_timeout_response(request)
        except (MultiPartParserError, SuspiciousOperation) as exc:
            return error_response(400, "bad_request", f"Malformed multipart body: {exc}")
        return self._too_large() if cap.exceeded else None

    def _too_large(self) -> HttpResponse:
        limit_mb = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
        return error_response(413, "file_too_large", f"The photo is larger than the {limit_mb:g} MB limit.")
