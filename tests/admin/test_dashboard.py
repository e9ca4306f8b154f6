"""The booth dashboard: per slot, the last 24 h by status, p50/p95 end to end, the newest results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from jobs.activity import PercentileCont, recent_results_by_slot, slot_stats_list, stats_since
from jobs.models import Job, JobStatus
from tests.factories import JobFactory, ResultFactory, SlotFactory

pytestmark = pytest.mark.django_db


def completed(slot, *, seconds: float, ago: timedelta = timedelta(minutes=10), **kwargs) -> Job:
    created = timezone.now() - ago
    job = JobFactory(slot=slot, status="completed", created_at=created, **kwargs)
    Job.objects.filter(id=job.id).update(finished_at=created + timedelta(seconds=seconds))
    job.refresh_from_db()
    return job


def test_counts_by_status_over_the_last_24_hours_without_test_runs():
    slot, other = SlotFactory(name="A"), SlotFactory(name="B")
    for status in ("pending", "processing", "failed_timeout", "failed_provider", "cancelled"):
        JobFactory(slot=slot, status=status)
    completed(slot, seconds=2)
    completed(slot, seconds=2, ago=timedelta(hours=25))  # outside the window
    completed(slot, seconds=2, is_test_run=True)  # an operator's test run
    JobFactory(slot=other, status="failed_provider")

    stats = {s.name: s for s in slot_stats_list(since=stats_since())}

    assert stats["A"].counts == {
        "pending": 1,
        "processing": 1,
        "completed": 1,
        "failed_timeout": 1,
        "failed_provider": 1,
        "cancelled": 1,
    }
    assert (stats["A"].total, stats["A"].failed) == (6, 2)
    assert stats["B"].counts["failed_provider"] == 1 and stats["B"].total == 1


def test_p50_and_p95_of_end_to_end_time_of_completed_jobs():
    slot = SlotFactory()
    for seconds in range(1, 11):
        completed(slot, seconds=seconds)
    JobFactory(slot=slot, status="failed_timeout", created_at=timezone.now() - timedelta(seconds=60))
    completed(slot, seconds=300, is_test_run=True)

    [stats] = slot_stats_list(since=stats_since(), slot_id=slot.id)

    # percentile_cont interpolates: p50 of 1..10 s is 5.5 s, p95 is 1 + 0.95 * 9 = 9.55 s.
    assert stats.p50.total_seconds() == pytest.approx(5.5)
    assert stats.p95.total_seconds() == pytest.approx(9.55)


def test_a_slot_without_jobs_has_no_percentiles_and_inactive_idle_slots_are_left_out():
    idle = SlotFactory(name="Idle")
    SlotFactory(name="Off", is_active=False)
    retired = SlotFactory(name="Retired")
    JobFactory(slot=retired, status="completed")
    retired.is_active = False
    retired.save(update_fields=["is_active"])

    stats = {s.name: s for s in slot_stats_list(since=stats_since())}

    assert set(stats) == {"Idle", "Retired"}
    assert (stats["Idle"].total, stats["Idle"].p50, stats["Idle"].p95) == (0, None, None)
    assert stats["Idle"].slot_id == idle.id


def test_the_gallery_holds_the_newest_live_results_per_slot():
    slot = SlotFactory()
    jobs = [completed(slot, seconds=1, ago=timedelta(minutes=m)) for m in (50, 40, 30, 20, 10)]
    for job in jobs:
        ResultFactory(job=job)
    expired = completed(slot, seconds=1, ago=timedelta(minutes=5))
    ResultFactory(
        job=expired, expires_at=timezone.now() - timedelta(seconds=1), created_at=timezone.now() - timedelta(hours=1)
    )
    test_run = completed(slot, seconds=1, ago=timedelta(minutes=1), is_test_run=True)
    ResultFactory(job=test_run)

    gallery = recent_results_by_slot(slot_ids=[slot.id], per_slot=3)[slot.id]

    assert [job.id for job in gallery] == [jobs[4].id, jobs[3].id, jobs[2].id]


def test_percentile_aggregate_rejects_a_fraction_outside_0_to_1():
    with pytest.raises(ValueError):
        PercentileCont("created_at", 1.5)
    assert Job.objects.aggregate(n=Count("id"))["n"] == 0


def test_the_admin_index_shows_the_dashboard_with_thumbnails(admin_client):
    slot = SlotFactory(name="Wedding")
    job = completed(slot, seconds=3)
    ResultFactory(job=job)
    JobFactory(slot=slot, status="failed_provider")

    response = admin_client.get("/admin/")

    html = response.content.decode()
    assert 'id="booth-dashboard"' in html
    assert '<td class="count count-failed_provider"><a href=' in html
    assert '<td class="count p50">3.00 s</td>' in html
    assert f'src="/admin/jobs/job/{job.id}/thumbnail/result/"' in html
    assert f'<a href="/admin/slots/slot/{slot.id}/change/">Wedding</a>' in html


def test_the_slot_page_shows_its_own_dashboard(admin_client):
    slot, other = SlotFactory(), SlotFactory()
    job = completed(slot, seconds=1)
    ResultFactory(job=job)
    ResultFactory(job=completed(other, seconds=1))

    response = admin_client.get(f"/admin/slots/slot/{slot.id}/change/")

    assert [s.slot_id for s in response.context["dashboard_stats"]] == [slot.id]
    assert f"/admin/jobs/job/{job.id}/thumbnail/result/" in response.content.decode()


def test_staff_who_may_not_see_jobs_get_no_dashboard(client_for):
    SlotFactory()
    html = client_for(perms=("slots.view_slot",)).get("/admin/").content.decode()

    assert 'id="booth-dashboard"' not in html


def test_dashboard_links_lead_to_the_matching_job_list(admin_client):
    slot = SlotFactory()
    failed = JobFactory(slot=slot, status="failed_provider")
    JobFactory(slot=slot, status="failed_provider", is_test_run=True)

    html = admin_client.get("/admin/").content.decode()
    start = html.index('<td class="count count-failed_provider"><a href="') + len(
        '<td class="count count-failed_provider"><a href="'
    )
    link = html[start : html.index('"', start)].replace("&amp;", "&")

    response = admin_client.get(link)
    assert {j.id for j in response.context["cl"].queryset} == {failed.id}
    assert JobStatus.FAILED_PROVIDER in link


def test_the_dashboard_counts_recovered_jobs_and_shows_each_models_circuit_breaker(admin_client, settings):
    import uuid

    from jobs.breaker import RedisCircuitBreaker
    from providers.breaker import BreakerPolicy

    slot = SlotFactory(name="Prom")
    completed(slot, seconds=2, recovered_by="refusal_prompt")
    completed(slot, seconds=2)
    model = f"dashboard-{uuid.uuid4().hex[:8]}"
    breaker = RedisCircuitBreaker(BreakerPolicy(1, 60, 60), settings.REDIS_URL)
    breaker.failure("gemini", model)

    html = admin_client.get("/admin/").content.decode()

    assert '<td class="count recovered">1</td>' in html
    assert f'<tr class="breaker breaker-open" data-model="{model}">' in html


def test_the_dashboard_says_when_the_breakers_redis_does_not_answer(admin_client, settings):
    settings.PROVIDER_BREAKER_REDIS_URL = "redis://127.0.0.1:1/0"
    html = admin_client.get("/admin/").content.decode()
    assert "Unknown: the breaker's Redis does not answer (calls proceed without it)." in html
