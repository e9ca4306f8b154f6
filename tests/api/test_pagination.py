"""List endpoints answer pages of PAGE_SIZE items, at most MAX_PAGE_SIZE whatever ``?limit=`` asks."""

from __future__ import annotations

import pytest

from core.api import SCOPES
from jobs.models import Job
from tests.factories import JobFactory, SlotFactory, TemplateMediaFactory

pytestmark = pytest.mark.django_db

MAX_PAGE_SIZE = 200
LISTS = {"/api/jobs/": lambda: JobFactory(), "/api/slots/": SlotFactory, "/api/template-media/": TemplateMediaFactory}


def test_a_limit_above_the_maximum_gets_a_page_of_the_maximum(api_client):
    slot = SlotFactory()
    Job.objects.bulk_create(JobFactory.build_batch(MAX_PAGE_SIZE + 1, slot=slot, status="completed"))

    body = api_client("jobs:read").get("/api/jobs/", {"limit": 10_000}).json()

    assert body["count"] == MAX_PAGE_SIZE + 1
    assert len(body["results"]) == MAX_PAGE_SIZE
    assert f"limit={MAX_PAGE_SIZE}&" in body["next"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["99999999999999999999", "9223372036854775807"])
def test_an_absurd_limit_is_capped_not_a_server_error(api_client, path, limit):
    LISTS[path]()

    response = api_client(*SCOPES).get(path, {"limit": limit})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("path", LISTS)
def test_an_offset_past_the_end_gets_an_empty_page(api_client, path):
    LISTS[path]()

    response = api_client(*SCOPES).get(path, {"offset": "99999999999999999999"})

    assert response.status_code == 200
    assert response.json()["results"] == []
