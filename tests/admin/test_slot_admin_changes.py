"""Changing, disabling, rotating the password of and deleting slots in the admin site."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry

from jobs.models import Job, JobStatus
from slots.models import Slot
from slots.services import slot_secret_matches, slot_update
from tests.admin.conftest import edit_data, form_errors
from tests.factories import JobFactory, SlotFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/slots/slot/"


def change(slot) -> str:
    return f"/admin/slots/slot/{slot.id}/change/"


# --- change ---------------------------------------------------------------------------------------


def test_changing_the_operation_validates_the_new_params_and_bumps_the_version(admin_client):
    slot = SlotFactory(provider="local", operation="sepia")
    data = edit_data(slot, provider="gemini", operation="edit", params_for="gemini:edit", param_prompt="Neon")

    response = admin_client.post(change(slot), data)

    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.provider, slot.operation, slot.params["prompt"], slot.version) == ("gemini", "edit", "Neon", 2)


def test_the_change_page_shows_the_current_params(admin_client):
    slot = SlotFactory(provider="local", operation="fit", params={"width": 1800, "height": 1200, "mode": "contain"})

    html = admin_client.get(change(slot)).content.decode()

    assert 'name="param_width" value="1800"' in html
    assert '<option value="contain" selected>' in html
    assert 'name="version" value="1"' in html


def test_a_save_over_someone_elses_newer_change_is_refused_and_keeps_the_edits(admin_client):
    slot = SlotFactory(name="Old name")
    data = edit_data(slot, name="My edit")
    slot_update(slot=Slot.objects.get(id=slot.id), version=1, data={"name": "Their edit"})

    response = admin_client.post(change(slot), data)

    assert response.status_code == 200
    assert "it is now at version 2" in form_errors(response)["__all__"][0]
    assert 'value="My edit"' in response.content.decode()
    slot.refresh_from_db()
    assert slot.name == "Their edit"


def test_a_service_refusal_after_validation_rolls_everything_back(admin_client, monkeypatch):
    from core.errors import Conflict

    def refuse(**kwargs):
        raise Conflict("Version 1 is not the slot's current version (2); reload the slot and retry.")

    monkeypatch.setattr("console.admin.slots.slot_update", refuse)
    slot = SlotFactory(name="Before")

    response = admin_client.post(change(slot), edit_data(slot, name="After"), follow=True)

    assert response.redirect_chain[-1][0].endswith(change(slot))
    assert any("reload the slot and retry" in str(m) for m in response.context["messages"])
    assert Slot.objects.get(id=slot.id).name == "Before"
    assert not LogEntry.objects.exists()


def test_deactivating_a_slot_cancels_its_pending_jobs(admin_client):
    slot = SlotFactory()
    pending = JobFactory(slot=slot, status="pending")
    data = edit_data(slot)
    del data["is_active"]

    response = admin_client.post(change(slot), data)

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == JobStatus.CANCELLED
    assert Slot.objects.get(id=slot.id).is_active is False


def test_staff_who_may_only_view_slots_see_params_but_no_inputs(client_for):
    slot = SlotFactory(provider="gemini", operation="edit", params={"prompt": "Viewer prompt"})
    client = client_for(perms=("slots.view_slot",))

    html = client.get(change(slot)).content.decode()

    assert "Viewer prompt" in html
    assert 'name="param_prompt"' not in html
    assert "test-run" not in html and "rotate-secret" not in html


# --- password rotation ------------------------------------------------------------------------


def test_rotating_shows_the_new_password_once_and_the_old_one_stops_working(admin_client):
    slot = SlotFactory()
    old = slot.secret
    confirm = admin_client.get(f"/admin/slots/slot/{slot.id}/rotate-secret/")
    assert 'name="version" value="1"' in confirm.content.decode()

    response = admin_client.post(f"/admin/slots/slot/{slot.id}/rotate-secret/", {"version": 1})

    assert response.status_code == 200
    new = response.context["secret"]
    slot.refresh_from_db()
    assert slot_secret_matches(slot=slot, secret=new)
    assert not slot_secret_matches(slot=slot, secret=old)
    assert new in response.content.decode() and "no-store" in response["Cache-Control"]
    assert new not in admin_client.get(change(slot)).content.decode()


def test_rotating_from_a_stale_page_is_refused(admin_client):
    slot = SlotFactory()
    slot_update(slot=Slot.objects.get(id=slot.id), version=1, data={"name": "Renamed"})

    response = admin_client.post(f"/admin/slots/slot/{slot.id}/rotate-secret/", {"version": 1}, follow=True)

    assert any("not the slot's current version" in str(m) for m in response.context["messages"])
    slot.refresh_from_db()
    assert slot_secret_matches(slot=slot, secret=slot.secret), "the password was not replaced"
    assert slot.version == 2


def test_rotating_needs_the_change_permission(client_for):
    slot = SlotFactory()

    response = client_for(perms=("slots.view_slot",)).post(
        f"/admin/slots/slot/{slot.id}/rotate-secret/", {"version": 1}
    )

    assert response.status_code == 403


# --- delete ---------------------------------------------------------------------------------------


def test_deleting_a_slot_cancels_its_pending_jobs_and_keeps_their_history(admin_client):
    slot = SlotFactory()
    pending, done = JobFactory(slot=slot, status="pending"), JobFactory(slot=slot, status="completed")

    response = admin_client.post(f"/admin/slots/slot/{slot.id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Slot.objects.filter(id=slot.id).exists()
    assert Job.objects.get(id=pending.id).status == JobStatus.CANCELLED
    assert Job.objects.get(id=done.id).slot_id is None


def test_the_bulk_delete_action_goes_through_the_service_too(admin_client):
    slots = SlotFactory.create_batch(2)
    pending = JobFactory(slot=slots[0], status="pending")

    admin_client.post(
        LIST, {"action": "delete_selected", "_selected_action": [str(s.id) for s in slots], "post": "yes"}
    )

    assert not Slot.objects.exists()
    assert Job.objects.get(id=pending.id).status == JobStatus.CANCELLED
