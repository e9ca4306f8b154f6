"""The booth's text fields are kept on the job as metadata: cleaned so the database takes them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingest.services import booth_metadata
from jobs.models import Job
from tests.factories import SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db


def test_booth_metadata_drops_the_password_and_nul_characters_from_names_and_values():
    fields = {"password": ["secret"], "na\x00me": ["Ada\x00 Lovelace"], "\x00": ["only a nul as its name"]}

    assert booth_metadata(fields) == {"name": "Ada Lovelace"}


def test_a_nul_character_in_a_booth_field_is_dropped_not_a_server_error(client, settings, workers_marked_alive):
    settings.T_SYNC_RESPONSE = 0.3  # no worker runs here: the booth gets its 504 quickly
    slot = SlotFactory()
    upload = SimpleUploadedFile("IMG_0001.JPG", images.jpeg(), content_type="image/jpeg")
    fields = {"password": slot.secret, "name": "Ada\x00", "survey\x00answer": "yes", "fileToUpload": upload}

    response = client.post(f"/ingest/{slot.id}", fields)

    assert response.status_code == 504
    assert Job.objects.get(slot=slot).booth_metadata == {"name": "Ada", "surveyanswer": "yes"}
