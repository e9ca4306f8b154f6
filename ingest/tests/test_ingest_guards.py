"""Abuse guards: failed-password rate limit per client and slot, per-slot in-flight cap, one photo."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.redis_clients import broker_client as redis_client
from ingest import guards
from jobs.models import JobStatus
from photochanger.proxies import proxy_networks
from tests.factories import JobFactory, SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db


def _post(client, slot, password, *, addr="10.0.0.7", photo=b"not an image", **extra):
    data = {"password": password, "fileToUpload": SimpleUploadedFile("a.jpg", photo, content_type="image/jpeg")}
    return client.post(f"/ingest/{slot.id}", data, REMOTE_ADDR=addr, **extra)


def test_a_guesser_past_the_failure_limit_gets_429_with_retry_after(client, settings):
    settings.INGEST_AUTH_FAILURE_LIMIT = 3
    slot = SlotFactory()
    assert [_post(client, slot, "guess").status_code for _ in range(3)] == [401, 401, 401]

    response = _post(client, slot, "another guess")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_failed_passwords"
    assert 0 < int(response["Retry-After"]) <= settings.INGEST_AUTH_FAILURE_WINDOW_SECONDS


def test_the_right_password_is_never_refused_by_the_failure_limit(client, settings):
    settings.INGEST_AUTH_FAILURE_LIMIT = 3
    slot = SlotFactory()
    for _ in range(5):
        _post(client, slot, "guess")  # from the booth's own address: someone who knows the slot URL

    assert _post(client, slot, slot.secret).status_code == 415  # past the password check
    assert _post(client, slot, "guess").status_code == 429  # the guesser is still held back


def test_an_attacker_elsewhere_does_not_lock_the_booth_out(client, settings):
    settings.INGEST_AUTH_FAILURE_LIMIT = 3
    slot = SlotFactory()
    for _ in range(5):
        _post(client, slot, "guess", addr="203.0.113.9")

    assert _post(client, slot, slot.secret, addr="10.0.0.7").status_code == 415  # past the password check


def test_correct_passwords_are_never_counted(client, settings):
    settings.INGEST_AUTH_FAILURE_LIMIT = 3
    slot = SlotFactory()
    assert {_post(client, slot, slot.secret).status_code for _ in range(10)} == {415}


def test_forwarded_address_counts_only_when_a_trusted_proxy_sends_it(client, settings):
    settings.INGEST_AUTH_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_CIDRS = proxy_networks(["10.0.0.0/8"])
    slot = SlotFactory()
    # Behind the proxy, each client is counted under the address the proxy saw.
    for _ in range(2):
        _post(client, slot, "guess", addr="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert _post(client, slot, "guess", addr="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    assert _post(client, slot, "guess", addr="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 401
    assert _post(client, slot, slot.secret, addr="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 415

    # A client that is not a proxy cannot choose its address: a new X-Forwarded-For per guess gains nothing.
    for i in range(2):
        _post(client, slot, "guess", addr="192.0.2.50", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert _post(client, slot, "guess", addr="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_slot_with_too_many_jobs_in_flight_gets_429(client, settings, stored_files):
    settings.SLOT_MAX_IN_FLIGHT = 2
    slot = SlotFactory()
    JobFactory(slot=slot, status=JobStatus.PENDING)
    JobFactory(slot=slot, status=JobStatus.PROCESSING)

    response = _post(client, slot, slot.secret, photo=images.jpeg())

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "slot_busy"
    assert response["Retry-After"]
    assert stored_files() == []


def test_two_files_in_one_request_get_400(client, stored_files):
    slot = SlotFactory()
    data = {
        "password": slot.secret,
        "fileToUpload": SimpleUploadedFile("a.jpg", images.jpeg(), content_type="image/jpeg"),
        "second": SimpleUploadedFile("b.jpg", images.jpeg(), content_type="image/jpeg"),
    }
    response = client.post(f"/ingest/{slot.id}", data)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_files"
    assert stored_files() == []


def test_a_waiting_place_whose_request_was_killed_is_dropped_after_its_jobs_deadline(settings, monkeypatch):
    settings.JOB_MAX_WAITING_RETRIES = 1
    monkeypatch.setattr(guards, "WAITING_PLACE_GRACE_SECONDS", 0)
    job = JobFactory(status=JobStatus.PROCESSING, deadline=timezone.now() + timedelta(seconds=0.5))

    killed = guards.retry_waiting_place(job=job)
    assert killed.__enter__()  # and never exited: its process was killed while it waited
    with guards.retry_waiting_place(job=job) as admitted:
        assert not admitted
    held = [key for owner in (job.id, job.slot_id) for key in redis_client().scan_iter(f"*waiting-retries:*{owner}")]
    assert len(held) == 2
    assert all(redis_client().ttl(key) > 0 for key in held)  # even if no request ever came again

    time.sleep(0.6)
    with guards.retry_waiting_place(job=job) as admitted:
        assert admitted
