"""Share links to a job's result: signed, token-less URLs an admin hands to a guest, revocable
all at once (docs/api.md, "Admin REST API")."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.errors import ValidationFailed
from jobs.models import Result
from jobs.selectors import ResultNotFound, job_get, result_get_live, result_link_signer

# A share link shorter than this is useless to a person; the upper bound is RESULT_LINK_TTL_SECONDS.
RESULT_LINK_MIN_TTL_SECONDS = 60


@dataclass(frozen=True)
class ResultLink:
    url: str
    expires_at: datetime


def result_share_link_create(*, job_id: uuid.UUID | str, ttl_seconds: float | None = None) -> ResultLink:
    """A signed, token-less link to the job's result, valid for ``ttl_seconds`` but never past
    the result's own expiry. Raises 404 without a result, 410 once it expired, 422 on a bad TTL."""
    ceiling = settings.RESULT_LINK_TTL_SECONDS
    if ttl_seconds is None:
        ttl_seconds = ceiling
    elif not RESULT_LINK_MIN_TTL_SECONDS <= ttl_seconds <= ceiling:
        raise ValidationFailed(
            {"ttl_seconds": [f"Must be between {RESULT_LINK_MIN_TTL_SECONDS} and {ceiling:g} seconds."]}
        )
    result = result_get_live(job_id=job_id)
    wanted = timezone.now() + timedelta(seconds=ttl_seconds)
    # Whole seconds, rounded down, so the link can only end earlier than asked, never later.
    exp = math.floor(min(wanted, result.expires_at).timestamp())
    token = result_link_signer().sign_object({"job": str(result.job_id), "exp": exp, "v": result.link_version})
    return ResultLink(
        url=f"{settings.PUBLIC_BASE_URL}{reverse('result-link', kwargs={'token': token})}",
        expires_at=datetime.fromtimestamp(exp, tz=UTC),
    )


def result_share_links_revoke(*, job_id: uuid.UUID | str) -> None:
    """Every share link handed out for the job's result so far answers 410 from now on; links made
    afterwards work. Raises ``JobNotFound`` or ``ResultNotFound`` (404)."""
    job = job_get(job_id=job_id)
    if not Result.objects.filter(job_id=job.id).update(link_version=F("link_version") + 1):
        raise ResultNotFound("This job has no result.", extra={"job_id": str(job.id)})
