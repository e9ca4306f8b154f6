"""``GET /metrics``: protected by a bearer token; ingest counters by status code, fleet figures from
the database and Redis."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta

import pytest
import redis
import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from stats.services import provider_call_record
from tests.factories import JobFactory, SlotFactory
from tests.support import images
from tests.support.booth import booth_post

pytestmark = pytest.mark.django_db
TOKEN = "metrics-test-token-abcdef"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples, metric: str, **labels) -> float:
    return samples.get((metric, frozenset(labels.items())), 0.0)


def _scrape(client) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_HOST="10.0.0.9:8000")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return _samples(response.content.decode())


def test_metrics_are_off_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN])
def test_metrics_need_the_bearer_token(client, metrics_token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_ingest_requests_are_counted_by_status_code(transactional_db, client, metrics_token):
    slot = SlotFactory()
    before = _scrape(client)

    for _ in range(2):
        photo = SimpleUploadedFile("p.jpg", images.jpeg(64, 48), content_type="image/jpeg")
        client.post(f"/ingest/{slot.id}", {"password": "wrong", "fileToUpload": photo})
    client.post(f"/ingest/{uuid.uuid4()}", {"password": "x"})
    client.get("/api/slots/")  # not an ingest request

    after = _scrape(client)
    for code, expected in (("401", 2), ("404", 1)):
        delta = _value(after, "photochanger_ingest_requests_total", code=code) - _value(
            before, "photochanger_ingest_requests_total", code=code
        )
        assert delta == expected, code
    count = "photochanger_ingest_request_duration_seconds_count"
    assert _value(after, count, code="401") - _value(before, count, code="401") == 2


def test_jobs_are_counted_by_final_status_and_slot_and_in_flight_by_status(client, metrics_token):
    slot, other = SlotFactory(name="Counted"), SlotFactory()
    now = timezone.now()
    for status, seconds in (("completed", 1.5), ("completed", 4), ("failed_timeout", 50.5)):
        JobFactory(slot=slot, status=status, created_at=now - timedelta(seconds=seconds), finished_at=now)
    JobFactory(slot=other, status="pending")
    JobFactory(slot=other, status="processing")

    samples = _scrape(client)

    assert _value(samples, "photochanger_jobs_total", status="completed", slot=str(slot.id)) == 2
    assert _value(samples, "photochanger_jobs_total", status="failed_timeout", slot=str(slot.id)) == 1
    assert _value(samples, "photochanger_jobs_in_flight", status="pending") == 1
    assert _value(samples, "photochanger_jobs_in_flight", status="processing") == 1
    bucket = "photochanger_job_duration_seconds_bucket"
    assert _value(samples, bucket, status="completed", le="2.0") == 1
    assert _value(samples, bucket, status="completed", le="5.0") == 2
    assert _value(samples, bucket, status="failed_timeout", le="50.0") == 0
    assert _value(samples, bucket, status="failed_timeout", le="+Inf") == 1
    assert _value(samples, "photochanger_job_duration_seconds_sum", status="completed") == pytest.approx(5.5)
    info = {"slot": str(slot.id), "name": "Counted", "provider": "local", "operation": "sepia", "active": "true"}
    assert _value(samples, "photochanger_slot_info", **info) == 1


def test_provider_calls_errors_latency_tokens_and_cost_by_provider_and_model(client, metrics_token):
    job = JobFactory(slot=SlotFactory(provider="gemini", operation="edit", params={"prompt": "x"}))
    usage = {"prompt_token_count": 1000, "candidates_token_count": 1290}
    model = "gemini-2.5-flash-image"
    provider_call_record(job=job, outcome="ok", model=model, usage=usage, duration_s=4.2)
    provider_call_record(job=job, outcome="ok", model=model, usage=usage, duration_s=9)
    provider_call_record(job=job, outcome="provider_quota", model=model, attempts=3, duration_s=0.3)

    samples = _scrape(client)

    labels = {"provider": "gemini", "model": model}
    assert _value(samples, "photochanger_provider_calls_total", outcome="ok", **labels) == 2
    assert _value(samples, "photochanger_provider_calls_total", outcome="provider_quota", **labels) == 1
    assert _value(samples, "photochanger_provider_errors_total", code="provider_quota", **labels) == 1
    assert _value(samples, "photochanger_provider_errors_total", code="ok", **labels) == 0
    assert _value(samples, "photochanger_provider_tokens_total", direction="output", **labels) == 2580
    assert _value(samples, "photochanger_provider_estimated_cost_total", **labels) == pytest.approx(0.078)
    assert _value(samples, "photochanger_slot_estimated_cost_total", slot=str(job.slot_id)) == pytest.approx(0.078)
    bucket = "photochanger_provider_call_duration_seconds_bucket"
    assert [_value(samples, bucket, le=le, **labels) for le in ("0.5", "5.0", "10.0", "+Inf")] == [1, 2, 3, 3]


def test_queue_depth_is_read_from_the_broker(client, metrics_token, settings):
    settings.CELERY_TASK_DEFAULT_QUEUE = queue = f"ops-test-{uuid.uuid4().hex[:8]}"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.rpush(queue, "a", "b")
    broker.rpush(f"{queue}\x06\x166", "c")  # kombu's list for priority 6
    try:
        samples = _scrape(client)
    finally:
        broker.delete(queue, f"{queue}\x06\x166")

    assert _value(samples, "photochanger_queue_depth", queue=queue) == 3
    assert _value(samples, "photochanger_metrics_source_up", source="redis") == 1
    assert _value(samples, "photochanger_metrics_source_up", source="database") == 1


def test_a_scrape_still_answers_when_redis_is_down(client, metrics_token, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"

    samples = _scrape(client)

    assert _value(samples, "photochanger_metrics_source_up", source="redis") == 0
    assert ("photochanger_queue_depth", frozenset({("queue", "celery")})) not in samples


@pytest.mark.pipeline
def test_metrics_scraped_from_the_live_stack_after_a_few_ingests(live_stack, transactional_db):
    """gunicorn runs prometheus_client in multiprocess mode; the counts come through it."""
    slot = SlotFactory(operation="grayscale")  # committed: the live stack reads it
    url = f"{live_stack.base_url}/metrics"
    headers = {"Authorization": f"Bearer {settings.METRICS_TOKEN}"}  # settings/test.py exports it
    before = _samples(requests.get(url, headers=headers, timeout=10).text)

    # Different photos: a resent identical photo would be answered from the first job.
    ingest = f"{live_stack.base_url}/ingest/{slot.id}"
    posts = [booth_post(ingest, photo=images.jpeg(64 + i, 48), password=slot.secret) for i in range(3)]
    posts.append(booth_post(ingest, photo=images.jpeg(), password="no"))
    answers = [post.status for post in posts]
    assert all(post.got_continue for post in posts), "gunicorn answers Expect: 100-continue"
    response = requests.get(url, headers=headers, timeout=10)

    assert answers == [200, 200, 200, 401]
    assert response.status_code == 200
    after = _samples(response.text)
    for code, expected in (("200", 3), ("401", 1)):
        name = "photochanger_ingest_requests_total"
        assert _value(after, name, code=code) - _value(before, name, code=code) == expected
    assert _value(after, "photochanger_jobs_total", status="completed", slot=str(slot.id)) == 3
    calls = {"provider": "local", "model": "pillow", "outcome": "ok"}
    assert (
        _value(after, "photochanger_provider_calls_total", **calls)
        - _value(before, "photochanger_provider_calls_total", **calls)
        == 3
    )
    assert requests.get(url, timeout=10).status_code == 401


def test_recovered_jobs_and_the_circuit_breaker_are_exported(client, metrics_token, settings):
    from jobs.breaker import RedisCircuitBreaker
    from providers.breaker import BreakerPolicy

    slot = SlotFactory()
    JobFactory(slot=slot, status="completed", recovered_by="refusal_prompt")
    JobFactory(slot=slot, status="completed")
    model = f"metrics-{uuid.uuid4().hex[:8]}"
    breaker = RedisCircuitBreaker(BreakerPolicy(2, 60, 60), settings.REDIS_URL)
    breaker.failure("gemini", model)
    breaker.failure("gemini", model)

    samples = _scrape(client)

    assert _value(samples, "photochanger_jobs_recovered_total", how="refusal_prompt", slot=str(slot.id)) == 1
    labels = {"provider": "gemini", "model": model}
    assert _value(samples, "photochanger_provider_breaker_state", **labels, state="open") == 1
    assert _value(samples, "photochanger_provider_breaker_state", **labels, state="closed") == 0
    assert _value(samples, "photochanger_provider_breaker_opened_total", **labels) == 1
    assert _value(samples, "photochanger_metrics_source_up", source="breaker") == 1
