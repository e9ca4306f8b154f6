"""Result download (``GET /api/jobs/{id}/result``) and signed share links (``/r/<token>``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.utils import timezone

from jobs.selectors import RESULT_LINK_SALT
from tests.factories import JobFactory, ResultFactory
from tests.support import images

pytestmark = pytest.mark.django_db


def result_url(job_id) -> str:
    return f"/api/jobs/{job_id}/result"


def share_url(job_id) -> str:
    return f"/api/jobs/{job_id}/share-link"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def public_path(url: str, settings) -> str:
    assert url.startswith(f"{settings.PUBLIC_BASE_URL}/r/")
    return url.removeprefix(settings.PUBLIC_BASE_URL)


def make_link(api_client, settings, job_id, **data) -> tuple[str, datetime]:
    response = api_client("results:share").post(share_url(job_id), data, format="json")
    assert response.status_code == 201, response.content
    link = response.json()
    return public_path(link["url"], settings), datetime.fromisoformat(link["expires_at"])


# --- GET /api/jobs/{id}/result ------------------------------------------------------------------


@pytest.mark.usefixtures("storage_backend")
def test_result_streams_the_stored_image_privately(api_client):
    data = images.jpeg(80, 60)
    result = ResultFactory(data=data)

    response = api_client("jobs:read").get(result_url(result.job_id))

    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == str(len(data))
    assert response["Cache-Control"] == "private, no-store"


def test_result_is_served_even_to_a_client_that_accepts_only_images(api_client):
    result = ResultFactory()
    response = api_client("jobs:read").get(result_url(result.job_id), HTTP_ACCEPT="image/jpeg")
    assert response.status_code == 200


def test_result_is_gone_once_its_expiry_passes_even_before_the_cleaner_runs(api_client, clock):
    result = ResultFactory(expires_at=clock.now + timedelta(hours=1))
    client = api_client("jobs:read")
    clock.advance(3600 - 1)
    assert client.get(result_url(result.job_id)).status_code == 200

    clock.advance(1)
    response = client.get(result_url(result.job_id), HTTP_ACCEPT="image/jpeg")

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "result_expired"
    assert response.json()["error"]["job_id"] == str(result.job_id)
    assert default_storage.exists(result.storage_key)  # not deleted yet, still not served


def test_result_the_cleaner_marked_expired_is_gone(api_client):
    result = ResultFactory(expired_at=timezone.now())
    response = api_client("jobs:read").get(result_url(result.job_id))
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "result_expired"


def test_result_whose_file_is_lost_is_gone(api_client):
    result = ResultFactory()
    default_storage.delete(result.storage_key)

    response = api_client("jobs:read").get(result_url(result.job_id))

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "result_gone"


def test_a_failed_job_has_no_result_404(api_client):
    job = JobFactory(status="failed_provider")
    response = api_client("jobs:read").get(result_url(job.id))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "result_not_found"


def test_result_of_an_unknown_job_is_404(api_client):
    response = api_client("jobs:read").get(result_url(uuid.uuid4()))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "job_not_found"


@pytest.mark.parametrize("path", [result_url, share_url])
def test_result_endpoints_need_a_token(anon_client, path):
    result = ResultFactory()
    response = anon_client.get(path(result.job_id)) if path is result_url else anon_client.post(path(result.job_id))
    assert response.status_code == 401


@pytest.mark.parametrize("path", [result_url, share_url])
def test_result_endpoints_need_jobs_read(api_client, path):
    result = ResultFactory()
    client = api_client("slots:read", "media:write")
    response = client.get(path(result.job_id)) if path is result_url else client.post(path(result.job_id))
    assert response.status_code == 403


# --- share links --------------------------------------------------------------------------------


def test_share_link_serves_the_image_without_any_token(api_client, anon_client, settings):
    data = images.jpeg(40, 30)
    result = ResultFactory(data=data)

    path, expires_at = make_link(api_client, settings, result.job_id)
    response = anon_client.get(path)

    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert abs(expires_at - (timezone.now() + timedelta(seconds=settings.RESULT_LINK_TTL_SECONDS))) < timedelta(
        seconds=5
    )


def test_share_link_ignores_a_bearer_token(api_client, anon_client, settings):
    # A public link must not turn into a 401 because the caller happens to send a bad token.
    result = ResultFactory()
    path, _ = make_link(api_client, settings, result.job_id)
    response = anon_client.get(path, HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == 200


def test_share_link_is_gone_once_it_expires(api_client, anon_client, settings, clock):
    result = ResultFactory()
    path, expires_at = make_link(api_client, settings, result.job_id, ttl_seconds=120)
    assert expires_at == datetime.fromtimestamp(int((clock.now + timedelta(seconds=120)).timestamp()), tz=UTC)
    clock.advance(110)
    assert anon_client.get(path).status_code == 200

    clock.advance(10)
    response = anon_client.get(path)

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "result_link_expired"
    assert "job_id" not in response.json()["error"]


def test_share_link_never_outlives_the_result(api_client, anon_client, settings, clock):
    result_expires = (clock.now + timedelta(minutes=10)).replace(microsecond=0)
    result = ResultFactory(expires_at=result_expires)

    path, link_expires = make_link(api_client, settings, result.job_id)

    assert link_expires == result_expires
    clock.now = result_expires - timedelta(seconds=1)
    assert anon_client.get(path).status_code == 200
    clock.now = result_expires
    assert anon_client.get(path).status_code == 410


def test_share_link_stops_when_the_cleaner_expired_the_result_early(api_client, anon_client, settings):
    result = ResultFactory()
    path, _ = make_link(api_client, settings, result.job_id)
    result.expired_at = timezone.now()
    result.save(update_fields=["expired_at"])

    response = anon_client.get(path)

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "result_expired"


def test_share_link_to_a_deleted_job_is_gone(api_client, anon_client, settings):
    result = ResultFactory()
    path, _ = make_link(api_client, settings, result.job_id)
    result.job.delete()
    assert anon_client.get(path).status_code == 410


def test_a_forged_share_link_is_404(api_client, anon_client, settings):
    result = ResultFactory()
    path, _ = make_link(api_client, settings, result.job_id)
    last = path[-1]
    forged = path[:-1] + ("A" if last != "A" else "B")

    response = anon_client.get(forged)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "result_link_invalid"
    assert anon_client.get(path).status_code == 200


def test_a_link_signed_for_something_else_is_404(anon_client):
    # Same SECRET_KEY, different salt (another kind of signed token): not a result link.
    result = ResultFactory()
    exp = int((timezone.now() + timedelta(hours=1)).timestamp())
    other = signing.Signer(salt="photochanger.media-link").sign_object({"job": str(result.job_id), "exp": exp})
    genuine = signing.Signer(salt=RESULT_LINK_SALT).sign_object({"job": str(result.job_id), "exp": exp})

    assert anon_client.get(f"/r/{other}").status_code == 404
    assert anon_client.get(f"/r/{genuine}").status_code == 200


def test_a_garbled_share_link_is_404(anon_client):
    response = anon_client.get("/r/not-a-token")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "result_link_invalid"


def test_share_link_for_a_job_without_result_is_404(api_client):
    job = JobFactory(status="failed_timeout")
    response = api_client("results:share").post(share_url(job.id))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "result_not_found"


def test_share_link_for_an_expired_result_is_410(api_client, clock):
    result = ResultFactory(expires_at=clock.now + timedelta(minutes=1))
    clock.advance(60)

    response = api_client("results:share").post(share_url(result.job_id))

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "result_expired"


def test_share_link_for_an_unknown_job_is_404(api_client):
    response = api_client("results:share").post(share_url(uuid.uuid4()))
    assert response.status_code == 404


@pytest.mark.parametrize("ttl", [59, 0, -5, "soon", 24 * 3600 + 1])
def test_share_link_ttl_outside_60_to_the_configured_maximum_is_422(api_client, settings, ttl):
    settings.RESULT_LINK_TTL_SECONDS = 24 * 3600.0
    result = ResultFactory()

    response = api_client("results:share").post(share_url(result.job_id), {"ttl_seconds": ttl}, format="json")

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["ttl_seconds"]


@pytest.mark.parametrize("ttl", [60, 3600])
def test_share_link_ttl_within_bounds_is_honoured(api_client, settings, ttl):
    settings.RESULT_LINK_TTL_SECONDS = 3600.0
    result = ResultFactory()
    before = timezone.now()

    _, expires_at = make_link(api_client, settings, result.job_id, ttl_seconds=ttl)

    assert before + timedelta(seconds=ttl - 1) <= expires_at <= timezone.now() + timedelta(seconds=ttl)
