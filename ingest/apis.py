"""``POST /ingest/{slot_id}``: the booth's photo in, the processed photo out, same request."""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ingest.guards import auth_blocked_for, auth_failure_record, client_address, slot_over_capacity
from ingest.services import booth_metadata, ingest_accept, ingest_await, ingest_duplicate_find
from ingest.uploads import SizeCapUploadHandler, first_image_upload, upload_sha256
from jobs.liveness import workers_alive
from jobs.models import Job, JobStatus
from media.images import UnsupportedImage, image_check
from photochanger.db import connection_release
from photochanger.errors import ApplicationError, application_error_response, error_response
from photochanger.providers import provider_photo_form
from slots.selectors import slot_get
from slots.services import slot_secret_matches

# Room for the multipart framing and the booth's text fields on top of the photo itself.
MULTIPART_OVERHEAD = 512 * 1024

FAILURE_STATUS = {
    JobStatus.FAILED_PROVIDER: 502,
    JobStatus.FAILED_TIMEOUT: 504,
    JobStatus.CANCELLED: 409,
}
FAILURE_MESSAGE = {
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


def _job_response(job: Job) -> HttpResponse:
    if job.status == JobStatus.COMPLETED:
        result = job.result
        response = FileResponse(default_storage.open(result.storage_key, "rb"), content_type=result.content_type)
        response["Content-Length"] = str(result.size)
        response["X-Job-Id"] = str(job.id)
        response["Cache-Control"] = "no-store"
        return response
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


@method_decorator(csrf_exempt, name="dispatch")
class IngestApi(View):
    http_method_names = ["post"]

    def http_method_not_allowed(self, request, *args, **kwargs):
        return error_response(405, "method_not_allowed", "Use POST with a multipart photo.", headers={"Allow": "POST"})

    def post(self, request: HttpRequest, slot_id: str) -> HttpResponse:
        received_at = timezone.now()
        slot = slot_get(slot_id=slot_id)
        if slot is None:
            return error_response(404, "slot_not_found", "No slot has this id.")
        # Reading and checking the photo is the slow part and needs no database: give the
        # connection back to the pool meanwhile, so hundreds of uploads share a few connections.
        connection_release()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "bad_request", "Invalid Content-Length header.")
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # Django reads no body without a length; say so instead of "no password" or "no file".
            return error_response(411, "length_required", "Send the photo with a Content-Length header.")
        if declared > settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD:
            return self._too_large()
        if not request.content_type.startswith("multipart/form-data"):
            return error_response(400, "bad_request", "Send the photo as multipart/form-data.")

        cap = SizeCapUploadHandler(settings.UPLOAD_MAX_BYTES, request)
        request.upload_handlers.insert(0, cap)
        try:
            files, form = request.FILES, request.POST
        except RequestDataTooBig:
            return self._too_large()
        except (MultiPartParserError, SuspiciousOperation) as exc:
            return error_response(400, "bad_request", f"Malformed multipart body: {exc}")
        if cap.exceeded:
            return self._too_large()

        client = client_address(request)
        if wait := auth_blocked_for(slot=slot, client=client):
            return error_response(
                429,
                "too_many_failed_passwords",
                "Too many wrong passwords; try again later.",
                headers={"Retry-After": str(wait)},
            )
        if not slot_secret_matches(slot=slot, secret=_password(request)):
            auth_failure_record(slot=slot, client=client)
            return error_response(401, "invalid_password", "Missing or wrong slot password.")
        if not slot.is_active:
            return error_response(403, "slot_disabled", "This slot is disabled.")
        if len(files) > 1:
            return error_response(400, "too_many_files", "Send exactly one photo per request.")
        upload = first_image_upload(files)
        if upload is None:
            return error_response(400, "no_file", "The request has no photo file.")
        if upload.size == 0:
            return error_response(415, "unsupported_media_type", "The photo file is empty.")
        try:
            photo_form = provider_photo_form(provider=slot.provider, operation=slot.operation)
            image = image_check(upload, max_pixels=settings.IMAGE_MAX_PIXELS, form=photo_form)
        except UnsupportedImage as exc:
            return error_response(415, "unsupported_media_type", f"Not a usable JPEG, PNG or WebP image: {exc}")

        photo_sha256 = upload_sha256(upload)
        idempotency_key = request.headers.get("Idempotency-Key", "")[:200]
        retried = ingest_duplicate_find(slot=slot, input_sha256=photo_sha256, idempotency_key=idempotency_key)
        if retried is not None:
            return _job_response(ingest_await(job=retried))
        if slot_over_capacity(slot=slot):
            return error_response(
                429,
                "slot_busy",
                "This slot has too many photos in flight; try again shortly.",
                headers={"Retry-After": "5"},
            )
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
                metadata=booth_metadata(dict(form.lists())),
                received_at=received_at,
                input_sha256=photo_sha256,
                idempotency_key=idempotency_key,
            )
        except ApplicationError as exc:
            return application_error_response(exc)
        return _job_response(ingest_await(job=job))

    def _too_large(self) -> HttpResponse:
        limit_mb = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
        return error_response(413, "file_too_large", f"The photo is larger than the {limit_mb:g} MB limit.")
