"""An S3 that refuses connections or stops answering: every request that needs a file gets a quick
503 ``storage_unavailable`` with ``Retry-After``, never a 500 or a request held for minutes.

The storage talks to a real S3 server (moto's) through a TCP proxy that the test cuts off.
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media.models import MediaObject
from media.services import media_link_url, media_register
from tests.factories import JobFactory, RegisteredMediaFactory, ResultFactory
from tests.support import images
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.django_db

# The storage's timeouts for these tests: a silent S3 costs at most 2 x (0.5 + 1 + 1 on uploads) s plus
# a short back-off; a refused connection much less.
TIMEOUTS = {"S3_CONNECT_TIMEOUT": 0.5, "S3_READ_TIMEOUT": 1.0, "S3_MAX_ATTEMPTS": 2}
BOUND = 5.5
OUTAGES = ["refused", "silent"]


@pytest.fixture
def s3_outage(settings, s3_server):
    """S3 storage reached through a proxy; ``s3_outage(kind)`` takes it down ("refused"/"silent")."""
    proxy = TcpProxy(s3_server.port)
    for name, value in TIMEOUTS.items():
        setattr(settings, name, value)
    settings.PUBLIC_BASE_URL = "http://testserver"
    settings.STORAGES = s3_server.storages(settings.STORAGES, endpoint=f"http://127.0.0.1:{proxy.port}")

    def take_down(kind: str) -> float:
        proxy.go_silent() if kind == "silent" else proxy.stop()
        return time.monotonic()

    yield take_down
    proxy.stop()
    s3_server.empty()


def assert_storage_unavailable(response, since: float) -> None:
    assert time.monotonic() - since < BOUND
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("outage", OUTAGES)
def test_an_api_upload_gets_503_and_leaves_no_row_when_s3_is_down(api_client, s3_outage, outage):
    client = api_client("media:register")
    since = s3_outage(outage)

    response = client.post(
        "/api/media/register", {"file": SimpleUploadedFile("p.jpg", images.jpeg(64, 48))}, format="multipart"
    )

    assert_storage_unavailable(response, since)
    assert MediaObject.objects.count() == 0


@pytest.mark.parametrize("outage", OUTAGES)
def test_a_result_download_gets_503_when_s3_is_down(api_client, s3_outage, outage):
    result = ResultFactory(data=images.jpeg(80, 60))
    client = api_client("jobs:read")
    since = s3_outage(outage)

    assert_storage_unavailable(client.get(f"/api/jobs/{result.job_id}/result"), since)


def test_a_result_share_link_gets_503_when_s3_is_down(api_client, anon_client, s3_outage):
    result = ResultFactory(data=images.jpeg(80, 60))
    link = api_client("results:share").post(f"/api/jobs/{result.job_id}/share-link", {}, format="json").json()["url"]
    since = s3_outage("refused")

    assert_storage_unavailable(anon_client.get(link.removeprefix("http://testserver")), since)


def test_a_media_link_gets_503_when_s3_is_down(anon_client, s3_outage):
    media = media_register(upload=SimpleUploadedFile("p.jpg", images.jpeg(64, 48)))
    since = s3_outage("refused")

    assert_storage_unavailable(anon_client.get(media_link_url(media=media).removeprefix("http://testserver")), since)


def test_an_admin_thumbnail_gets_503_when_s3_is_down(admin_client, s3_outage):
    job = JobFactory(status="processing")
    ResultFactory(job=job, data=images.jpeg(200, 100))
    since = s3_outage("refused")

    assert_storage_unavailable(admin_client.get(f"/admin/jobs/job/{job.id}/thumbnail/result/"), since)


def test_an_api_upload_gets_503_when_the_local_disk_cannot_be_written(api_client, settings):
    settings.MEDIA_ROOT = "/dev/null/photochanger-media"  # not a directory, even for root

    response = api_client("media:register").post(
        "/api/media/register", {"file": SimpleUploadedFile("p.jpg", images.jpeg(64, 48))}, format="multipart"
    )

    assert_storage_unavailable(response, time.monotonic())
    assert not RegisteredMediaFactory._meta.model.objects.exists()
