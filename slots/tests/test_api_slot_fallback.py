"""A slot's ``on_failure`` / ``answer_by`` option over /api/slots/: stored when valid, refused per
field in plain words when not (T_SYNC_RESPONSE is 2 s in the test settings)."""

from __future__ import annotations

import pytest

from slots.models import Slot, SlotTemplateMedia
from slots.tests.api_helpers import LIST, detail, expect_error
from tests.factories import SlotFactory, TemplateMediaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator(api_client):
    return api_client("slots:read", "slots:create", "slots:write")


def _create(client, **fields):
    return client.post(LIST, {"name": "Booth", "provider": "local", "operation": "grayscale", **fields}, format="json")


def test_a_new_slot_answers_with_an_error_by_default(creator):
    body = _create(creator).json()

    assert (body["on_failure"], body["on_failure_params"], body["answer_by"]) == ("error", {}, None)


def test_a_local_sepia_fallback_is_stored_with_its_defaults_filled_in(creator):
    response = _create(creator, on_failure="local:sepia", on_failure_params={"strength": 0.5}, answer_by=1.5)

    assert response.status_code == 201, response.content
    slot = Slot.objects.get(id=response.json()["id"])
    assert (slot.on_failure, slot.answer_by) == ("local:sepia", 1.5)
    assert slot.on_failure_params["strength"] == 0.5
    assert slot.on_failure_params["output_format"] == "jpeg", "the operation's defaults are filled in"


def test_a_frame_fallback_protects_its_template_media(creator):
    frame = TemplateMediaFactory()

    response = _create(creator, on_failure="local:overlay", on_failure_params={"frame": str(frame.id)})

    assert response.status_code == 201, response.content
    assert SlotTemplateMedia.objects.filter(slot_id=response.json()["id"], template_media=frame).exists()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"on_failure": "print-anyway"}, "on_failure", "use one of: error, original, local:grayscale"),
        ({"on_failure": "local:explode"}, "on_failure", "is not a fallback"),
        ({"on_failure": "gemini:edit"}, "on_failure", "is not a fallback"),
        ({"on_failure": "original", "on_failure_params": {"strength": 1}}, "on_failure_params", "Only a local"),
        ({"on_failure": "local:sepia", "on_failure_params": {"strength": 7}}, "on_failure_params.strength", "1"),
        ({"on_failure": "local:overlay"}, "on_failure_params.frame", "required"),
        ({"on_failure": "original", "answer_by": 0.2}, "answer_by", "between 1 and 2 seconds"),
        ({"on_failure": "original", "answer_by": 60}, "answer_by", "T_SYNC_RESPONSE"),
        ({"answer_by": 1.5}, "answer_by", "Only applies with a fallback"),
    ],
)
def test_an_invalid_fallback_is_refused_on_its_field_in_plain_words(creator, fields, field, words):
    body = expect_error(_create(creator, **fields), 422, "validation_failed")

    messages = " ".join(body["fields"][field])
    assert words in messages, messages
    assert "<" not in messages and "object at" not in messages
    assert not Slot.objects.exists()


def test_changing_the_fallback_needs_no_other_field_and_bumps_the_version(creator):
    slot = SlotFactory()

    response = creator.patch(detail(slot), {"on_failure": "original", "answer_by": 1, "version": 1}, format="json")

    assert response.status_code == 200, response.content
    slot.refresh_from_db()
    assert (slot.on_failure, slot.answer_by, slot.version) == ("original", 1.0, 2)


def test_going_back_to_error_drops_answer_by(creator):
    slot = SlotFactory(on_failure="original", answer_by=1.5)

    response = creator.patch(detail(slot), {"on_failure": "error", "version": 1}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["answer_by"] is None


def test_the_slot_create_command_sets_a_fallback(capsys):
    from django.core.management import call_command

    call_command(
        "slot_create",
        "--name",
        "Gala",
        "--operation",
        "sepia",
        "--on-failure",
        "local:grayscale",
        "--on-failure-param",
        "quality=80",
        "--answer-by",
        "1.5",
    )

    slot = Slot.objects.get(name="Gala")
    assert (slot.on_failure, slot.on_failure_params["quality"], slot.answer_by) == ("local:grayscale", 80, 1.5)
