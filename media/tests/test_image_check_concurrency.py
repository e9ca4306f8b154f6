"""A web process checks at most IMAGE_CHECKS_PER_PROCESS photos at once; the rest wait their turn,
and one that waited too long gets a clear 503."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from media import images as media_images
from media.images import ImageCheckBusy, image_check
from tests.factories import SlotFactory
from tests.support import images


@pytest.fixture
def checks_per_process(settings):
    def limit(count: int, wait: float = 10.0) -> threading.BoundedSemaphore:
        settings.IMAGE_CHECKS_PER_PROCESS, settings.IMAGE_CHECK_WAIT_SECONDS = count, wait
        media_images._checks_in_flight.cache_clear()
        return media_images._checks_in_flight()

    yield limit
    media_images._checks_in_flight.cache_clear()


def test_no_more_checks_than_the_limit_run_at_once(checks_per_process, monkeypatch):
    checks_per_process(2)
    running, most = 0, 0
    lock = threading.Lock()
    checked = media_images._checked

    def slow_checked(*args, **kwargs):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return checked(*args, **kwargs)

    monkeypatch.setattr(media_images, "_checked", slow_checked)
    photo = images.jpeg()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: image_check(io.BytesIO(photo), max_pixels=10**7), range(16)))

    assert len(results) == 16
    assert most == 2


def test_a_check_that_waited_too_long_for_its_turn_is_refused_as_busy(checks_per_process):
    slots = checks_per_process(1, wait=0.1)
    slots.acquire()
    try:
        with pytest.raises(ImageCheckBusy) as refused:
            image_check(io.BytesIO(images.jpeg()), max_pixels=10**7)
    finally:
        slots.release()
    assert refused.value.status == 503
    # The turn is given back whatever happens: the next check runs.
    assert image_check(io.BytesIO(images.jpeg()), max_pixels=10**7).width == 320


@pytest.mark.django_db
def test_the_booth_gets_a_json_503_with_retry_after_when_checks_are_busy(client, checks_per_process):
    slot = SlotFactory()
    slots = checks_per_process(1, wait=0.1)
    slots.acquire()
    try:
        response = client.post(
            f"/ingest/{slot.id}", {"password": slot.secret, "fileToUpload": io.BytesIO(images.jpeg())}
        )
    finally:
        slots.release()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "image_checks_busy"
    assert response["Retry-After"] == "5"
