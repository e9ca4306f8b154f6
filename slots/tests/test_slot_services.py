from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from core.errors import ValidationFailed
from slots.models import Slot
from slots.services import slot_create, slot_secret_hash, slot_secret_matches
from tests.factories import TemplateMediaFactory

pytestmark = pytest.mark.django_db


def test_created_slot_stores_only_a_keyed_hash_of_its_secret():
    slot, secret = slot_create(name="Wedding", provider="local", operation="sepia", params={})
    assert len(secret) >= 32
    assert secret not in slot.secret_hash
    assert slot.secret_hash == slot_secret_hash(secret)
    assert slot_secret_matches(slot=slot, secret=secret)
    assert not slot_secret_matches(slot=slot, secret=secret[:-1])


def test_each_slot_gets_its_own_secret_and_unguessable_id():
    first, s1 = slot_create(name="A", provider="local", operation="sepia", params={})
    second, s2 = slot_create(name="B", provider="local", operation="sepia", params={})
    assert s1 != s2 and first.id != second.id
    assert first.id.version == 4


def test_params_are_stored_cleaned_with_defaults():
    slot, _ = slot_create(name="A", provider="local", operation="fit", params={"width": "300", "height": 200})
    assert slot.params == {"width": 300, "height": 200, "mode": "cover", "output_format": "jpeg", "quality": 90}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"provider": "nope", "operation": "sepia", "params": {}}, "provider"),
        ({"provider": "local", "operation": "nope", "params": {}}, "operation"),
        ({"provider": "local", "operation": "fit", "params": {"width": 1}}, "params.height"),
        (
            {"provider": "local", "operation": "overlay", "params": {"frame": "9b0c6a0e-7a57-4c38-9d43-4d0d1c5f0a11"}},
            "params.frame",
        ),
        ({"provider": "local", "operation": "overlay", "params": {"frame": "not-a-uuid"}}, "params.frame"),
    ],
)
def test_invalid_slot_is_refused_per_field(kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        slot_create(name="A", **kwargs)
    assert field in caught.value.fields
    assert not Slot.objects.exists()


def test_template_media_used_by_a_slot_is_linked():
    frame = TemplateMediaFactory()
    slot, _ = slot_create(name="A", provider="local", operation="overlay", params={"frame": str(frame.id)})
    assert list(slot.template_media.all()) == [frame]


def test_slot_create_command_prints_the_ingest_url_and_password_once(capsys, settings):
    settings.PUBLIC_BASE_URL = "http://booth.example:8000"
    call_command("slot_create", "--name", "Gala", "--operation", "fit", "--param", "width=640", "--param", "height=480")
    printed = json.loads(capsys.readouterr().out)
    slot = Slot.objects.get(id=printed["id"])
    assert printed["ingest_url"] == f"http://booth.example:8000/ingest/{slot.id}"
    assert slot_secret_matches(slot=slot, secret=printed["password"])
    assert printed["params"]["width"] == 640


def test_slot_create_command_reports_invalid_params():
    with pytest.raises(CommandError, match="params.width"):
        call_command("slot_create", "--name", "Gala", "--operation", "fit", "--param", "width=0", "--param", "height=1")
