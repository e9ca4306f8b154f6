"""An operator's test run: one photo through a slot's real booth pipeline, from the admin site.

The photo takes exactly the booth's path (``ingest.services``: the same image check, storage, job,
queue, worker, provider call and deadline), so what the operator sees is what a booth would get.
The job is marked ``is_test_run`` and left out of booth statistics (``jobs.activity``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, ValidationFailed
from core.provider_registry import provider_photo_form
from ingest.services import booth_metadata, ingest_accept, ingest_await
from jobs.models import Job
from media.uploads import upload_image_check
from slots.models import Slot


def job_test_run(*, slot: Slot, upload: IO[bytes], fields: Mapping[str, str] | None = None) -> Job:
    """Run ``upload`` through ``slot`` like a booth photo and return the job once it is final.

    ``fields`` stand in for the booth's form fields (they fill ``{placeholders}`` in prompts).
    Blocks up to ``T_SYNC_RESPONSE``, like a booth request. Raises ``ApplicationError``: 403
    ``slot_disabled`` (the worker refuses jobs of disabled slots), ``ValidationFailed`` on ``photo``
    for a file the booth endpoint would refuse, ``ServiceUnavailable`` when the queue is down.
    """
    if not slot.is_active:
        raise ApplicationError(
            _("This slot is disabled; a disabled slot processes no photos, test runs included. Enable it first."),
            code="slot_disabled",
            status=403,
        )
    photo_form = provider_photo_form(provider=slot.provider, operation=slot.operation)
    try:
        image = upload_image_check(upload, noun="photo", form=photo_form)
    except ApplicationError as exc:  # too large, or not a usable image: the form's photo field says why
        raise ValidationFailed({"photo": [exc.message]}) from exc
    job = ingest_accept(
        slot=slot,
        upload=upload,
        image=image,
        metadata=booth_metadata({name: [value] for name, value in (fields or {}).items()}),
        received_at=timezone.now(),
        is_test_run=True,
    )
    return ingest_await(job=job)
