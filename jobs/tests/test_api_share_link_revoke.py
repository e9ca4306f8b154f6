"""Share links need their own scope, and ``DELETE /api/jobs/{id}/share-link`` revokes every link
handed out for the job's result so far."""

from __future__ import annotations

import uuid

import pytest

from jobs.tests.test_api_results import make_link, share_url
from tests.factories import JobFactory, ResultFactory

pytestmark = pytest.mark.django_db


def test_a_job_viewer_cannot_create_a_share_link(api_client):
    result = ResultFactory()

    response = api_client("jobs:read").post(share_url(result.job_id))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_revoking_ends_every_link_handed_out_so_far(api_client, anon_client, settings):
    result = ResultFactory()
    first, _ = make_link(api_client, settings, result.job_id)
    second, _ = make_link(api_client, settings, result.job_id, ttl_seconds=600)

    response = api_client("results:share").delete(share_url(result.job_id))

    assert response.status_code == 204
    for path in (first, second):
        gone = anon_client.get(path)
        assert gone.status_code == 410
        assert gone.json()["error"]["code"] == "result_link_revoked"


def test_a_link_created_after_revoking_works(api_client, anon_client, settings):
    result = ResultFactory()
    old, _ = make_link(api_client, settings, result.job_id)
    api_client("results:share").delete(share_url(result.job_id))

    new, _ = make_link(api_client, settings, result.job_id)

    assert anon_client.get(new).status_code == 200
    assert anon_client.get(old).status_code == 410


def test_revoking_leaves_other_results_links_alone(api_client, anon_client, settings):
    revoked, kept = ResultFactory(), ResultFactory()
    path, _ = make_link(api_client, settings, kept.job_id)

    api_client("results:share").delete(share_url(revoked.job_id))

    assert anon_client.get(path).status_code == 200


def test_revoking_twice_is_fine(api_client):
    result = ResultFactory()
    client = api_client("results:share")

    assert client.delete(share_url(result.job_id)).status_code == 204
    assert client.delete(share_url(result.job_id)).status_code == 204


def test_revoking_for_a_job_without_result_is_404(api_client):
    job = JobFactory(status="failed_provider")

    response = api_client("results:share").delete(share_url(job.id))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "result_not_found"


def test_revoking_for_an_unknown_job_is_404(api_client):
    response = api_client("results:share").delete(share_url(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "job_not_found"
