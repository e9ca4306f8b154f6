"""Slots CRUD over /api/slots/: scopes, 422 per field, versions, deactivation and deletion."""

from __future__ import annotations

import uuid

import pytest

from jobs.models import Job
from slots.models import Slot, SlotTemplateMedia
from slots.services import slot_secret_matches
from slots.tests.api_helpers import LIST, detail, expect_error, rotate
from tests.factories import JobFactory, SlotFactory, TemplateMediaFactory

pytestmark = pytest.mark.django_db


# --- scopes --------------------------------------------------------------------------------------


def test_slots_without_a_token_get_401(anon_client):
    expect_error(anon_client.get(LIST), 401, "not_authenticated")


def test_reading_slots_needs_slots_read(api_client):
    slot = SlotFactory()
    client = api_client("slots:create", "slots:write", "slots:delete")

    expect_error(client.get(LIST), 403, "insufficient_scope")
    expect_error(client.get(detail(slot)), 403, "insufficient_scope")


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "list"), ("patch", "detail"), ("put", "detail"), ("delete", "detail"), ("post", "rotate")],
)
def test_the_read_scope_cannot_write(reader, method, path):
    slot = SlotFactory()
    url = {"list": LIST, "detail": detail(slot), "rotate": rotate(slot)}[path]

    response = getattr(reader, method)(url, {"name": "X", "version": 1}, format="json")

    expect_error(response, 403, "insufficient_scope")
    assert Slot.objects.get(id=slot.id).version == 1


@pytest.mark.parametrize(("method", "path"), [("post", "list"), ("delete", "detail")])
def test_the_change_scope_can_neither_create_nor_delete_slots(api_client, method, path):
    slot = SlotFactory()
    editor = api_client("slots:read", "slots:write")
    url = {"list": LIST, "detail": detail(slot)}[path]

    response = getattr(editor, method)(url, {"name": "X", "provider": "local", "operation": "sepia"}, format="json")

    expect_error(response, 403, "insufficient_scope")
    assert list(Slot.objects.values_list("id", flat=True)) == [slot.id]


# --- create and read -----------------------------------------------------------------------------


def test_created_slot_comes_with_its_ingest_url_and_a_secret_shown_only_then(writer, settings):
    settings.PUBLIC_BASE_URL = "http://booth.example"
    created = writer.post(
        LIST,
        {"name": "Gala", "provider": "local", "operation": "fit", "params": {"width": 640, "height": 480}},
        format="json",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    slot = Slot.objects.get(id=body["id"])
    assert body["ingest_url"] == f"http://booth.example/ingest/{slot.id}"
    assert slot_secret_matches(slot=slot, secret=body["secret"])
    assert body["params"] == {"width": 640, "height": 480, "mode": "cover", "output_format": "jpeg", "quality": 90}
    assert (body["version"], body["is_active"], body["template_media"]) == (1, True, [])
    assert created["Location"] == detail(slot) and created["ETag"] == '"1"'
    assert "secret_hash" not in body
    for response in (writer.get(LIST), writer.get(detail(slot))):
        assert response.status_code == 200
        assert body["secret"] not in response.content.decode()
        assert "secret" not in response.content.decode()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"provider": "local", "operation": "fit", "params": {"width": 640}}, "params.height"),
        ({"provider": "local", "operation": "fit", "params": {"width": 0, "height": 1}}, "params.width"),
        ({"provider": "local", "operation": "sepia", "params": {"strength": 1, "bogus": 1}}, "params.bogus"),
        ({"provider": "gemini", "operation": "edit", "params": {}}, "params.prompt"),
        ({"provider": "local", "operation": "overlay", "params": {"frame": str(uuid.uuid4())}}, "params.frame"),
        ({"provider": "nope", "operation": "fit"}, "provider"),
        ({"provider": "local", "operation": "nope"}, "operation"),
        ({"provider": "local", "operation": "sepia", "params": "strength=1"}, "params"),
        ({"provider": "local", "operation": "sepia", "name": "   "}, "name"),
    ],
)
def test_invalid_slot_gets_422_with_per_field_messages(writer, payload, field):
    response = writer.post(LIST, {"name": "Gala", **payload}, format="json")

    body = expect_error(response, 422, "validation_failed")
    assert field in body["fields"] and body["fields"][field][0]
    assert not Slot.objects.exists()


def test_template_media_the_params_refer_to_are_listed_and_linked(writer):
    frame = TemplateMediaFactory()

    response = writer.post(
        LIST,
        {"name": "Frame", "provider": "local", "operation": "overlay", "params": {"frame": str(frame.id)}},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["template_media"] == [str(frame.id)]
    assert SlotTemplateMedia.objects.filter(slot_id=response.json()["id"], template_media=frame).exists()


def test_list_is_paginated_and_filters_by_active_flag_and_provider(reader):
    active = SlotFactory(name="A")
    inactive = SlotFactory(name="B", is_active=False)
    gemini = SlotFactory(name="C", provider="gemini", operation="edit", params={"prompt": "Make it snow"})

    def names(query: str) -> list[str]:
        response = reader.get(LIST + query)
        assert response.status_code == 200, response.content
        return [slot["name"] for slot in response.json()["results"]]

    page = reader.get(LIST + "?limit=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert names("?limit=2&offset=2") == [gemini.name]
    assert names("?is_active=false") == [inactive.name]
    assert names("?is_active=true&provider=local") == [active.name]
    assert names("?provider=gemini&operation=edit") == [gemini.name]


def test_an_invalid_filter_value_gets_422(reader):
    body = expect_error(reader.get(LIST + "?is_active=maybe"), 422, "validation_failed")
    assert "is_active" in body["fields"]


UNKNOWN = f"/api/slots/{uuid.uuid4()}/"
MALFORMED = [("get", "/api/slots/not-a-uuid/"), ("patch", "/api/slots/1/"), ("post", "/api/slots/1/rotate-secret")]


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, UNKNOWN) for m in ("get", "put", "patch", "delete")] + [("post", UNKNOWN + "rotate-secret")] + MALFORMED,
)
def test_an_unknown_or_malformed_slot_id_gets_a_json_404(writer, method, path):
    response = getattr(writer, method)(path, {"name": "X", "version": 1}, format="json", HTTP_IF_MATCH="1")

    expect_error(response, 404, "not_found")


# --- update --------------------------------------------------------------------------------------


def test_patch_with_if_match_changes_the_slot_and_bumps_its_version(writer):
    slot = SlotFactory(operation="fit", params={"width": 100, "height": 100})

    response = writer.patch(
        detail(slot), {"name": "Renamed", "params": {"width": 300, "height": 200}}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["params"]["width"], body["version"]) == ("Renamed", 300, 2)
    assert response["ETag"] == '"2"'
    assert writer.get(detail(slot)).json()["version"] == 2


def test_put_takes_the_version_from_the_body_and_needs_every_field(writer):
    slot = SlotFactory()
    full = {"name": "New", "provider": "local", "operation": "grayscale", "params": {}, "is_active": True, "version": 1}

    partial = writer.put(detail(slot), {"name": "New", "version": 1}, format="json")
    replaced = writer.put(detail(slot), full, format="json")

    assert set(expect_error(partial, 422, "validation_failed")["fields"]) == {
        "provider",
        "operation",
        "params",
        "is_active",
    }
    assert replaced.status_code == 200, replaced.content
    assert (replaced.json()["operation"], replaced.json()["version"]) == ("grayscale", 2)


def test_an_update_without_a_version_gets_428(writer):
    slot = SlotFactory()

    expect_error(writer.patch(detail(slot), {"name": "X"}, format="json"), 428, "version_required")
    expect_error(writer.post(rotate(slot), {}, format="json"), 428, "version_required")
    assert Slot.objects.get(id=slot.id).name == slot.name


@pytest.mark.parametrize(("header", "body"), [("*", {}), ("v3", {}), ('"1"', {"version": 2})])
def test_a_malformed_or_contradictory_version_gets_422(writer, header, body):
    slot = SlotFactory()

    response = writer.patch(detail(slot), {"name": "X", **body}, format="json", HTTP_IF_MATCH=header)

    expect_error(response, 422, "validation_failed")
    assert Slot.objects.get(id=slot.id).version == 1


def test_a_stale_version_gets_409_with_the_current_version(writer):
    slot = SlotFactory(name="Before")
    assert writer.patch(detail(slot), {"name": "First"}, format="json", HTTP_IF_MATCH="1").status_code == 200

    body = expect_error(
        writer.patch(detail(slot), {"name": "Second"}, format="json", HTTP_IF_MATCH="1"), 409, "version_conflict"
    )

    assert body["current_version"] == 2
    assert Slot.objects.get(id=slot.id).name == "First"


def test_changing_the_operation_validates_the_params_against_the_new_one(writer):
    slot = SlotFactory(operation="fit", params={"width": 100, "height": 100})

    refused = writer.patch(detail(slot), {"operation": "grayscale"}, format="json", HTTP_IF_MATCH="1")
    accepted = writer.patch(detail(slot), {"operation": "grayscale", "params": {}}, format="json", HTTP_IF_MATCH="1")

    assert expect_error(refused, 422, "validation_failed")["fields"]["params.width"] == ["Unknown parameter."]
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["params"] == {"output_format": "jpeg", "quality": 90}


def test_deactivating_a_slot_cancels_its_pending_jobs_only(writer):
    slot = SlotFactory()
    pending, completed = JobFactory(status="pending", slot=slot), JobFactory(status="completed", slot=slot)
    elsewhere = JobFactory(status="pending")

    response = writer.patch(detail(slot), {"is_active": False}, format="json", HTTP_IF_MATCH="1")

    assert response.status_code == 200 and response.json()["is_active"] is False
    statuses = dict(Job.objects.values_list("id", "status"))
    assert statuses == {pending.id: "cancelled", completed.id: "completed", elsewhere.id: "pending"}


# --- delete --------------------------------------------------------------------------------------


def test_delete_gets_204_then_404_and_keeps_the_cancelled_job_in_the_history(writer):
    slot = SlotFactory()
    job = JobFactory(status="pending", slot=slot)

    assert writer.delete(detail(slot)).status_code == 204
    expect_error(writer.get(detail(slot)), 404, "not_found")
    expect_error(writer.delete(detail(slot)), 404, "not_found")
    job.refresh_from_db()
    assert (job.status, job.slot_id) == ("cancelled", None)


# --- secret rotation -----------------------------------------------------------------------------
