"""The admin site in English or Russian: LANGUAGE_CODE chooses the default, each admin user switches
with the header's language menu (Django's set_language, remembered in the language cookie)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from tests.admin.conftest import form_data, form_errors
from tests.factories import JobFactory, SlotFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_is_in_russian_when_language_code_is_ru(admin_client, settings):
    settings.LANGUAGE_CODE = "ru"
    slot = SlotFactory(name="Свадьба")
    JobFactory(slot=slot, status="completed")

    html = admin_client.get("/admin/").content.decode()

    assert '<html lang="ru"' in html
    assert "Управление мероприятием" in html  # the index title
    assert "Готовы к мероприятию?" in html  # the ready board
    assert "Работа фотобудок за последние 24 ч" in html
    assert "Выполнено" in html and "Расходы сегодня" in html  # a status column, a spend column
    assert "Система" in html and "Обработчики:" in html  # the system status
    assert "Добро пожаловать" in html, "Django's own strings come from its Russian catalogue"
    assert "Booth activity" not in html and "Ready for the event?" not in html


def test_the_slot_form_is_in_russian_for_a_user_who_chose_russian(admin_client):
    admin_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"

    html = admin_client.get("/admin/slots/slot/add/").content.decode()

    for text in ("Параметры операции", "Где обрабатывается фото.", "При сбое", "Если операция не удалась"):
        assert text in html
    assert "Operation parameters" not in html


def test_a_refused_slot_form_says_why_in_russian(admin_client):
    admin_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    data = form_data("local", "sepia")
    data["params_for"] = "local:frame"  # the page showed another operation's parameters

    response = admin_client.post("/admin/slots/slot/add/", data)

    assert response.status_code == 200
    assert "Операция изменилась: проверьте её параметры ниже и сохраните ещё раз." in response.content.decode()


def test_the_header_offers_the_other_language(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert 'action="/i18n/setlang/"' in html
    assert '<button type="submit" name="language" value="ru" lang="ru" class="language-choice">Русский</button>' in html
    assert '<strong class="language-current" lang="en" aria-current="true">English</strong>' in html


def test_switching_the_language_sets_the_cookie_and_the_next_page_follows(admin_client):
    response = admin_client.post("/i18n/setlang/", {"language": "ru", "next": "/admin/jobs/job/"})

    assert response.status_code == 302 and response["Location"] == "/admin/jobs/job/"
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert "Выберите задание для просмотра" in admin_client.get("/admin/jobs/job/").content.decode()

    admin_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})

    assert "Select job to view" in admin_client.get("/admin/jobs/job/").content.decode()


def test_a_language_the_site_does_not_speak_leaves_the_default(admin_client, settings):
    settings.LANGUAGE_CODE = "ru"
    admin_client.post("/i18n/setlang/", {"language": "de", "next": "/admin/"})  # Django knows German

    assert "Управление мероприятием" in admin_client.get("/admin/").content.decode()


def test_the_fallback_fields_are_checked_in_russian(admin_client):
    admin_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    data = {**form_data("local", "sepia"), "on_failure": "original", "answer_by": "100000"}

    response = admin_client.post("/admin/slots/slot/add/", data)

    [message] = form_errors(response)["answer_by"]
    assert message.startswith("Должно быть от ") and message.endswith("задайте меньше тайм-аута самой фотобудки.")
