"""The booth round trip with every file on S3 (moto's server over HTTP on 127.0.0.1)."""

from __future__ import annotations

import time

import pytest
from PIL import ImageStat

from jobs.models import Job, JobStatus
from tests.support import images
from tests.support.booth import booth_post

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def test_booth_round_trip_with_s3_storage(live_stack_s3, booth_slot, s3_server):
    slot = booth_slot(operation="sepia")

    response = booth_post(f"{live_stack_s3.base_url}/ingest/{slot.id}", photo=images.jpeg(), password=slot.secret)

    assert response.status == 200, response.body[:300]
    red, green, blue = ImageStat.Stat(images.decode(response.body).convert("RGB")).mean
    assert red > green > blue
    job = Job.objects.get(id=response.headers["x-job-id"])
    assert job.status == JobStatus.COMPLETED
    deadline = time.monotonic() + 3
    while any(key.startswith("inputs/") for key in s3_server.keys()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert s3_server.keys() == [f"results/{job.id}.jpg"]
    s3_server.empty()
