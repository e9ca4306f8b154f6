"""``POST /ingest/{slot_id}``: the booth's photo in, the processed photo out, same request."""

from __future__ import annotations

import base64
import binascii
import math
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from core.db import connection_release
from core.errors import ApplicationError, ServiceUnavailable, application_error_response, error_response
from core.provider_registry import provider_photo_form
from ingest.answer import answer_deliver
from ingest.fallback import BoothPhoto, ingest_await_or_fallback
from ingest.guards import (
    auth_failure_record,
    client_address,
    retry_waiting_place,
    slot_over_capacity,
)
from ingest.selectors import ingest_duplicate_find
from ingest.services import PhotoAlreadyAccepted, booth_metadata, idempotency_key_clean, ingest_accept, ingest_await
from jobs.budget import BUDGET_EXHAUSTED
from jobs.liveness import workers_alive
from jobs.models import Job, JobStatus
from jobs.services import SlotBusy
from media.uploads import first_image_upload, multipart_read, upload_image_check, upload_sha256
from slots.fallback import slot_fallback_policy
from slots.models import Slot
from slots.selectors import slot_get
from slots.services import slot_secret_matches

if TYPE_CHECKING:  # django-stubs only: the messages are lazy translations
    from django_stubs_ext import StrOrPromise

# What a booth is told when its job did not complete: by the job's status, then, where the
# failure's code says more than its status, by that code. The messages are in the request's
# language (Accept-Language, else LANGUAGE_CODE); the codes stay English.
ANSWER_BY_JOB_STATUS: dict[str, tuple[int, StrOrPromise]] = {
    JobStatus.FAILED_PROVIDER: (502, gettext_lazy("The image provider failed to process the photo.")),
    JobStatus.FAILED_TIMEOUT: (504, gettext_lazy("No result before the response deadline.")),
    JobStatus.CANCELLED: (409, gettext_lazy("The job was cancelled by an administrator.")),
}
ANSWER_BY_FAILURE_CODE: dict[str, tuple[int, StrOrPromise]] = {
    # Redis failed under the job: say so, not "timeout".
    "queue_unavailable": (503, gettext_lazy("The processing queue failed; try again shortly.")),
    # The photo or result could not be read or stored.
    "storage_unavailable": (503, gettext_lazy("File storage is unavailable; try again shortly.")),
    # The slot's budget cap is reached (jobs/budget.py): a retry cannot help until it is raised.
    BUDGET_EXHAUSTED: (
        402,
        gettext_lazy(
            "This booth's budget for AI processing is used up; an operator can raise it in the slot's settings."
        ),
    ),
}
# Failures that pass once the service recovers: the booth is told when to try again.
RETRY_AFTER_BY_FAILURE_CODE = {"queue_unavailable": "5", "storage_unavailable": "5"}


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
    status, message = ANSWER_BY_JOB_STATUS[job.status]
    headers = {}
    if job.failure_code in ANSWER_BY_FAILURE_CODE:
        status, message = ANSWER_BY_FAILURE_CODE[job.failure_code]
        code = job.failure_code
        if job.failure_code in RETRY_AFTER_BY_FAILURE_CODE:
            headers = {"Retry-After": RETRY_AFTER_BY_FAILURE_CODE[job.failure_code]}
    response = error_response(status, code, str(message), headers=headers, job_id=str(job.id))
    response["X-Job-Id"] = str(job.id)
    return response


def _slot_found(slot_id: str) -> Slot:
    slot = slot_get(slot_id=slot_id)
    if slot is None:
        raise ApplicationError(_("No slot has this id."), code="slot_not_found", status=404)
    return slot


def _multipart_body_read(request: HttpRequest) -> None:
    """Parse the photo and form fields under the upload cap (media/uploads.py)."""
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise ApplicationError(_("Send the photo as multipart/form-data."), code="bad_request", status=400)
    multipart_read(request, lambda: (request.FILES, request.POST), noun="photo")


def _password_check(request: HttpRequest, slot: Slot) -> None:
    """401 for a wrong password, 429 once its client failed too often. The right password is never
    refused: the limit holds back a guesser (and flags abuse), not the booth beside it."""
    if slot_secret_matches(slot=slot, secret=_password(request)):
        return
    if wait := auth_failure_record(slot=slot, client=client_address(request)):
        raise ApplicationError(
            _("Too many wrong passwords; try again later."),
            code="too_many_failed_passwords",
            status=429,
            headers={"Retry-After": str(wait)},
        )
    raise ApplicationError(_("Missing or wrong slot password."), code="invalid_password", status=401)


def _slot_active_check(slot: Slot) -> None:
    if not slot.is_active:
        raise ApplicationError(_("This slot is disabled."), code="slot_disabled", status=403)


def _single_photo(request: HttpRequest) -> UploadedFile:
    """The one photo of the request; its content is checked later, and only for a new photo."""
    if len(request.FILES) > 1:
        raise ApplicationError(_("Send exactly one photo per request."), code="too_many_files", status=400)
    upload = first_image_upload(request.FILES)
    if upload is None:
        raise ApplicationError(_("The request has no photo file."), code="no_file", status=400)
    if upload.size == 0:
        raise ApplicationError(_("The photo file is empty."), code="unsupported_media_type", status=415)
    return upload


def _workers_check() -> None:
    """A quick 503 when no worker consumes jobs, instead of a wait until the deadline."""
    if not workers_alive():
        raise ServiceUnavailable(
            _("No worker is processing photos right now; try again shortly."),
            code="no_workers",
            headers={"Retry-After": "10"},
        )


def _answer(request: HttpRequest, job: Job, booth: BoothPhoto) -> HttpResponseBase:
    """Wait for the job and answer with its outcome, or with the slot's fallback by its answer time."""
    if booth.policy.serves_fallback:
        job, fallback = ingest_await_or_fallback(job=job, booth=booth)
    else:
        job, fallback = ingest_await(job=job), None
    return answer_deliver(request, job=job, fallback=fallback, job_response=_job_response)


def _resend_response(request: HttpRequest, original: Job, booth: BoothPhoto) -> HttpResponseBase:
    """Answer a booth's resend with its original job, waiting for it among a bounded few."""
    if original.is_final:
        return _job_response(original)
    with retry_waiting_place(job=original) as admitted:
        if not admitted:
            raise ApplicationError(
                _("This photo is being processed and enough resends already wait for it; try again shortly."),
                code="too_many_retries",
                status=429,
                headers={"Retry-After": str(max(1, math.ceil(original.seconds_left())))},
                extra={"job_id": str(original.id)},
            )
        return _answer(request, original, booth)


def _new_photo_response(
    request: HttpRequest, slot: Slot, booth: BoothPhoto, *, photo_sha256: str, key: str
) -> HttpResponseBase:
    """Check the photo, accept it as a new job and answer with the job's outcome. Raises
    ``ApplicationError`` (not an image, slot busy, no workers, or the slot deleted, disabled or
    given a new password meanwhile, key reused, queue down)."""
    upload, received_at = booth.upload, booth.received_at
    photo_form = provider_photo_form(provider=slot.provider, operation=slot.operation)
    image = upload_image_check(upload, noun="photo", form=photo_form)
    if slot_over_capacity(slot=slot):  # a quick look before storing the photo; job_create enforces the cap
        raise SlotBusy()
    _workers_check()
    try:
        job = ingest_accept(
            slot=slot,
            upload=upload,
            image=image,
            metadata=booth_metadata(dict(request.POST.lists())),
            received_at=received_at,
            input_sha256=photo_sha256,
            idempotency_key=key,
            max_in_flight=settings.SLOT_MAX_IN_FLIGHT,
            # ``slot`` was read before the upload: the job's transaction checks it still has this secret.
            secret_hash_checked=slot.secret_hash,
        )
    except PhotoAlreadyAccepted as raced:  # a resend of this photo created its job first
        return _resend_response(request, raced.job, booth)
    return _answer(request, job, booth)


@method_decorator(csrf_exempt, name="dispatch")
class IngestApi(View):
    http_method_names = ["post"]
    accepts_uploads = True  # core/bodycap.py

    def http_method_not_allowed(self, request, *args, **kwargs):
        return error_response(
            405, "method_not_allowed", _("Use POST with a multipart photo."), headers={"Allow": "POST"}
        )

    def post(self, request: HttpRequest, slot_id: str) -> HttpResponseBase:
        received_at = timezone.now()
        try:
            slot = _slot_found(slot_id)
            # Reading and checking the photo is the slow part and needs no database: give the
            # connection back to the pool meanwhile, so hundreds of uploads share a few connections.
            connection_release()
            _multipart_body_read(request)
            _password_check(request, slot)
            _slot_active_check(slot)
            upload = _single_photo(request)
            key = idempotency_key_clean(request.headers.get("Idempotency-Key", ""))
            photo_sha256 = upload_sha256(upload)
            # A resend: these bytes were checked when its original came, so no second check.
            original = ingest_duplicate_find(slot=slot, input_sha256=photo_sha256, idempotency_key=key)
            policy = slot_fallback_policy(
                on_failure=slot.on_failure, params=slot.on_failure_params, answer_by=slot.answer_by
            )
            booth = BoothPhoto(upload=upload, received_at=received_at, policy=policy)
            if original is not None:
                return _resend_response(request, original, booth)
            return _new_photo_response(request, slot, booth, photo_sha256=photo_sha256, key=key)
        except ApplicationError as exc:
            return application_error_response(exc)
