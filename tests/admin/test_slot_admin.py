"""The slot pages of the admin site: the list, the form shaped by the operation, the password shown once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.utils import timezone

from jobs.models import JobStatus
from slots.models import Slot, SlotTemplateMedia
from slots.services import slot_ingest_url, slot_secret_matches
from tests.admin.conftest import form_data, form_errors
from tests.factories import JobFactory, SlotFactory, TemplateMediaFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/slots/slot/"
ADD = "/admin/slots/slot/add/"


def change(slot) -> str:
    return f"/admin/slots/slot/{slot.id}/change/"


# --- list ----------------------------------------------------------------------------------------


def test_list_shows_provider_operation_activity_and_a_copyable_ingest_url(admin_client):
    slot = SlotFactory(name="Wedding", provider="gemini", operation="edit", params={"prompt": "Pop art"})
    now = timezone.now()
    JobFactory(slot=slot, status="completed", created_at=now - timedelta(hours=1))
    JobFactory(slot=slot, status="failed_provider", created_at=now - timedelta(hours=2))
    JobFactory(slot=slot, status="completed", created_at=now - timedelta(hours=30))
    JobFactory(slot=slot, status="failed_timeout", created_at=now - timedelta(minutes=5), is_test_run=True)
    SlotFactory(name="Quiet booth")

    response = admin_client.get(LIST)

    assert response.status_code == 200
    rows = {row.name: row for row in response.context["cl"].result_list}
    wedding = rows["Wedding"]
    # Test runs are not booth activity: the newest booth job is the one of an hour ago.
    assert (wedding.last_job_status, wedding.jobs_recent) == (JobStatus.COMPLETED, 2)
    assert abs((wedding.last_job_at - (now - timedelta(hours=1))).total_seconds()) < 1
    assert (rows["Quiet booth"].last_job_at, rows["Quiet booth"].jobs_recent) == (None, 0)
    html = response.content.decode()
    assert f'value="{slot_ingest_url(slot=slot)}"' in html
    assert "copy-button" in html
    for column in ("Provider · operation", "Is active", "Last job", "Jobs (24 h)", "Ingest URL"):
        assert column in html
    assert "gemini · edit" in html


def test_the_list_shows_the_ingest_url_shortened_in_the_middle_and_copies_it_whole(admin_client):
    slot = SlotFactory(name="Wedding")
    url = slot_ingest_url(slot=slot)

    html = admin_client.get(LIST).content.decode()

    host = url[: url.index("/ingest/")]
    shown = f"{host}/ingest/{str(slot.id)[:8]}…{str(slot.id)[-4:]}"
    assert f'<code class="copy-short" title="{url}">{shown}</code>' in html, "the host is never cut off"
    assert f'value="{url}" class="copy-source copy-source-offscreen"' in html, "Copy takes the full URL"
    assert html.index("column-ingest_url") < html.index("column-runs"), "the URL right after the name"


def test_the_slot_page_does_not_show_the_version_but_keeps_it_for_the_lock(admin_client):
    slot = SlotFactory()

    html = admin_client.get(change(slot)).content.decode()

    assert "Version:" not in html and "Current version" not in html
    assert f'<input type="hidden" name="version" value="{slot.version}"' in html


def test_the_jobs_count_links_to_exactly_those_jobs(admin_client):
    slot = SlotFactory()
    recent = JobFactory(slot=slot)
    JobFactory(slot=slot, created_at=timezone.now() - timedelta(hours=30))
    JobFactory(slot=slot, is_test_run=True)
    JobFactory()

    row = admin_client.get(LIST).context["cl"].model_admin.jobs_recent(slot)
    link = row.split('href="')[1].split('"')[0].replace("&amp;", "&")

    response = admin_client.get(link)
    assert "e" not in response.wsgi_request.GET
    assert [job.id for job in response.context["cl"].queryset] == [recent.id]


def test_list_can_be_sorted_by_activity(admin_client):
    busy, idle = SlotFactory(name="Busy"), SlotFactory(name="Idle")
    JobFactory.create_batch(2, slot=busy)
    jobs_column = admin_client.get(LIST).context["cl"].list_display.index("jobs_recent")

    response = admin_client.get(LIST, {"o": f"-{jobs_column}"})

    assert [row.name for row in response.context["cl"].result_list] == [busy.name, idle.name]


# --- the form follows the operation ----------------------------------------------------------


def test_add_page_embeds_the_schema_and_renders_the_default_operations_fields(admin_client):
    response = admin_client.get(ADD)

    assert response.status_code == 200
    schema = response.context["slot_form_schema"]
    assert {p["name"] for p in schema["providers"]} >= {"local", "gemini"}
    html = response.content.decode()
    assert 'id="slot-form-schema"' in html and "slot_form.js" in html
    # The first provider's first operation, with its parameters' widgets.
    assert 'name="param_output_format"' in html and 'name="param_quality"' in html
    assert 'min="1"' in html and 'max="100"' in html
    assert '<input type="hidden" name="version" id="id_version">' in html, "a new slot has no version yet"


def test_gemini_edit_renders_a_prompt_text_area_and_selects_for_enums(admin_client):
    response = admin_client.get(ADD, {"provider": "gemini", "operation": "edit"})

    html = response.content.decode()
    assert '<textarea name="param_prompt"' in html
    assert '<select name="param_output_format"' in html
    assert 'type="checkbox" name="param_match_input_size"' in html
    assert 'value="gemini:edit"' in html


def test_template_media_params_render_pickers_listing_the_templates(admin_client):
    frame = TemplateMediaFactory(name="Gold frame")

    response = admin_client.get(ADD, {"provider": "local", "operation": "overlay"})

    html = response.content.decode()
    assert '<select name="param_frame"' in html
    assert f'value="{frame.id}">Gold frame (64×48)' in html
    assert {
        "id": str(frame.id),
        "name": "Gold frame",
        "thumbnail": f"/admin/media/templatemedia/{frame.id}/thumbnail/",
    } in (response.context["slot_form_schema"]["templates"])


# --- create: the password once ------------------------------------------------------------------


def test_creating_a_gemini_slot_shows_the_password_once(admin_client):
    response = admin_client.post(ADD, form_data("gemini", "edit", name="Pirates", prompt="Paint {name} as a pirate"))

    assert response.status_code == 200, form_errors(response) if response.context else response
    slot = Slot.objects.get(name="Pirates")
    assert slot.params["prompt"] == "Paint {name} as a pirate"
    assert slot.params["model"] == "gemini-2.5-flash-image", "defaults are filled in"
    password = response.context["secret"]
    assert slot_secret_matches(slot=slot, secret=password)
    html = response.content.decode()
    assert password in html and slot_ingest_url(slot=slot) in html
    assert "no-store" in response["Cache-Control"]
    assert LogEntry.objects.filter(object_id=str(slot.id), action_flag=ADDITION).exists()
    # Never again: not in the list, not on the slot's page.
    for url in (LIST, change(slot)):
        assert password not in admin_client.get(url).content.decode()


def test_unchecked_boolean_and_picked_templates_are_saved(admin_client):
    styles = [TemplateMediaFactory(), TemplateMediaFactory()]

    response = admin_client.post(
        ADD,
        form_data("gemini", "style_transfer", prompt="Van Gogh", style_images=[str(s.id) for s in styles]),
    )

    assert response.status_code == 200
    slot = Slot.objects.get()
    assert slot.params["match_input_size"] is False
    assert slot.params["style_images"] == [str(s.id) for s in styles]
    assert set(SlotTemplateMedia.objects.values_list("template_media_id", flat=True)) == {s.id for s in styles}


# --- validation: the API's service and messages ---------------------------------------------


INVALID = [
    pytest.param("gemini", "edit", {}, "prompt", id="required-prompt"),
    pytest.param("gemini", "edit", {"prompt": "Paint {0}"}, "prompt", id="malformed-placeholder"),
    pytest.param("local", "fit", {"width": "0", "height": "10"}, "width", id="below-minimum"),
    pytest.param("local", "sepia", {"quality": "101"}, "quality", id="above-maximum"),
    pytest.param("local", "sepia", {"strength": "strong"}, "strength", id="not-a-number"),
    pytest.param("local", "sepia", {"output_format": "gif"}, "output_format", id="enum"),
    pytest.param("local", "overlay", {"frame": "7b0c4cf1-58e4-4e53-a4a5-bb2a4a2f3a4b"}, "frame", id="unknown-template"),
    pytest.param("gemini", "edit", {"prompt": "x", "model": "no/such/model"}, "model", id="cross-field-validator"),
]


@pytest.mark.parametrize(("provider", "operation", "params", "field"), INVALID)
def test_invalid_params_get_the_apis_messages_on_their_fields(
    admin_client, api_client, provider, operation, params, field
):
    api = api_client("slots:create").post(
        "/api/slots/",
        {"name": "x", "provider": provider, "operation": operation, "params": params},
        format="json",
    )
    assert api.status_code == 422
    api_messages = api.json()["error"]["fields"][f"params.{field}"]

    response = admin_client.post(ADD, form_data(provider, operation, **params))

    assert response.status_code == 200
    assert form_errors(response)[f"param_{field}"] == api_messages
    assert not Slot.objects.exists()
    assert f'<ul class="errorlist" id="id_param_{field}_error">' in response.content.decode()


def test_an_unknown_operation_is_reported_on_the_operation_field(admin_client, api_client):
    api = api_client("slots:create").post(
        "/api/slots/", {"name": "x", "provider": "gemini", "operation": "nope", "params": {}}, format="json"
    )

    response = admin_client.post(ADD, form_data("gemini", "nope"))

    assert form_errors(response)["operation"] == api.json()["error"]["fields"]["operation"]


def test_a_blank_name_is_refused(admin_client):
    response = admin_client.post(ADD, form_data("local", "sepia", name="   "))

    assert form_errors(response)["name"] == ["This field is required."]


def test_switching_operation_without_its_fields_asks_to_check_them(admin_client):
    data = form_data("local", "sepia")
    data["params_for"] = "gemini:edit"  # the page still showed the old operation's fields (no JS)

    response = admin_client.post(ADD, data)

    assert response.status_code == 200
    assert "check its parameters below" in form_errors(response)["__all__"][0]
    assert not Slot.objects.exists()
