"""S3 failing under the booth: the booth gets 503 ``storage_unavailable`` (with ``Retry-After``) by
T_SYNC_RESPONSE + 1 s, whether S3 refuses connections or stops answering, on the web's side (storing
the photo) or the worker's (storing the result); the job ends with that code, never ``internal_error``.

The stack reaches the S3 server (moto's) through a TCP proxy that the test cuts off.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings

from jobs.models import Job, JobStatus
from tests.support import images
from tests.support.booth import booth_post
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.pipeline, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# One attempt of at most 0.25 s to connect and 0.5 s per read (+ 1 s waiting for "100 Continue" on
# an upload): a silent S3 costs a booth request under 2 s, inside the tests' 2 s deadline.
BOUNDED = {"S3_CONNECT_TIMEOUT": "0.25", "S3_READ_TIMEOUT": "0.5", "S3_MAX_ATTEMPTS": "1"}


@pytest.fixture
def s3_behind_proxy(private_stack, s3_server):
    proxy = TcpProxy(s3_server.port)
    env = {**s3_server.env(), **BOUNDED, "S3_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}"}
    yield private_stack("s3fault", **env), proxy
    proxy.stop()
    s3_server.empty()


def _post(stack, slot):
    return booth_post(f"{stack.base_url}/ingest/{slot.id}", photo=images.jpeg(), password=slot.secret)


def _warm(stack, slot) -> None:
    """S3 works: a photo is answered 200. The first one of fresh processes also builds their S3
    clients, which on a busy 2-core machine can take longer than the tests' 2 s deadline."""
    statuses = []
    while len(statuses) < 3 and 200 not in statuses:
        statuses.append(_post(stack, slot).status)
    assert statuses[-1] == 200, statuses


def _assert_storage_unavailable(response) -> None:
    assert response.status == 503, response.body
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert int(response.headers["retry-after"]) > 0
    assert response.elapsed <= settings.T_SYNC_RESPONSE + 1


@pytest.mark.parametrize("outage", ["refused", "silent"])
def test_booth_gets_503_at_once_when_s3_cannot_store_its_photo(s3_behind_proxy, booth_slot, outage):
    stack, proxy = s3_behind_proxy
    slot = booth_slot(operation="sepia")
    _warm(stack, slot)
    jobs = Job.objects.filter(slot=slot).count()

    proxy.go_silent() if outage == "silent" else proxy.stop()
    response = _post(stack, slot)

    _assert_storage_unavailable(response)
    assert Job.objects.filter(slot=slot).count() == jobs, "no job for a photo that was not stored"


def test_a_worker_that_cannot_store_the_result_ends_the_job_as_storage_unavailable(s3_behind_proxy, booth_slot):
    stack, proxy = s3_behind_proxy
    slot = booth_slot(provider="testing", operation="sleep", params={"seconds": 0.8})
    started = time.monotonic()
    pending = {}

    booth = threading.Thread(target=lambda: pending.setdefault("response", _post(stack, slot)))
    booth.start()
    while not Job.objects.filter(slot=slot, status=JobStatus.PROCESSING).exists():
        assert time.monotonic() - started < 5, "no job reached processing"
        time.sleep(0.02)
    proxy.stop()  # while the provider works: its result cannot be stored
    booth.join(timeout=10)

    _assert_storage_unavailable(pending["response"])
    job = Job.objects.get(slot=slot)
    assert (job.status, job.failure_code) == (JobStatus.FAILED_PROVIDER, "storage_unavailable")
