"""The booth's error answers speak its language: the ``message`` follows ``Accept-Language`` (else
LANGUAGE_CODE), the ``code`` a booth program reads stays the same English constant."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db

UNKNOWN_SLOT = "7d2b6f7e-4a43-4b8e-9d2e-9d5f1b9a0c11"


def _post(client, slot_id, *, password: str, **headers):
    data = {"password": password, "fileToUpload": SimpleUploadedFile("IMG.JPG", images.jpeg(), "image/jpeg")}
    return client.post(f"/ingest/{slot_id}", data, **headers)


def test_a_booth_asking_for_russian_gets_the_message_in_russian_and_the_code_in_english(client):
    response = _post(client, UNKNOWN_SLOT, password="x", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")

    assert response.status_code == 404
    assert response.json()["error"] == {"code": "slot_not_found", "message": "Слота с таким id нет."}
    assert response["Content-Language"] == "ru"


def test_a_wrong_password_is_refused_in_russian_under_language_code_ru(client, settings):
    settings.LANGUAGE_CODE = "ru"
    slot = SlotFactory(operation="sepia")

    response = _post(client, slot.id, password="wrong")

    assert response.status_code == 401
    assert response.json()["error"] == {"code": "invalid_password", "message": "Пароль слота не указан или неверен."}


def test_a_booth_asking_for_english_gets_english_under_language_code_ru(client, settings):
    settings.LANGUAGE_CODE = "ru"

    response = _post(client, UNKNOWN_SLOT, password="x", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8")

    assert response.json()["error"] == {"code": "slot_not_found", "message": "No slot has this id."}


def test_a_language_the_site_does_not_speak_gets_the_default(client):
    response = _post(client, UNKNOWN_SLOT, password="x", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")

    assert response.json()["error"]["message"] == "No slot has this id."
