"""``/``: the small status page behind the admin header's "View site" link."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from photochanger import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_readiness():
    health.readiness_forget()
    yield
    health.readiness_forget()


def test_the_root_is_an_html_status_page_naming_workers_and_providers(client, monkeypatch):
    monkeypatch.setattr(health, "workers_alive", lambda: True)

    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    assert '<li class="ok" id="status-service">Service: up</li>' in html
    assert '<li class="ok" id="status-workers">Workers: alive</li>' in html
    assert '<li class="ok" id="status-ready">Ready for booths: yes</li>' in html
    # The test settings carry a Gemini without a key (gemini_nokey) beside the configured ones.
    assert re.search(r'<li class="bad" data-provider="gemini_nokey">[^<]*: not configured</li>', html)
    assert re.search(r'<li class="ok" data-provider="local">[^<]*: configured</li>', html)


def test_the_status_page_says_when_no_worker_is_alive_and_keeps_error_texts_out(client, monkeypatch):
    monkeypatch.setattr(health, "workers_alive", lambda: False)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200, "the page works; /readyz is the probe that answers 503"
    assert '<li class="bad" id="status-workers">Workers: none alive</li>' in html
    assert "Ready for booths: no" in html
    assert "no worker signalled" not in html, "component errors stay in /readyz and the logs"
    assert "Fix:" not in html and "GEMINI_API_KEY" not in html
    for secret in (settings.SECRET_KEY, settings.DATABASES["default"]["PASSWORD"] or "-unset-"):
        assert secret not in html


def test_the_admin_headers_view_site_link_leads_to_the_status_page(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert '<a href="/">View site</a>' in html


def test_the_status_page_only_takes_get(client):
    assert client.post("/").status_code == 405


def test_the_status_page_is_in_russian_when_language_code_is_ru(client, monkeypatch, settings):
    settings.LANGUAGE_CODE = "ru"
    monkeypatch.setattr(health, "workers_alive", lambda: True)

    html = client.get("/").content.decode()

    assert '<html lang="ru">' in html
    assert '<li class="ok" id="status-service">Сервис: работает</li>' in html
    assert '<li class="ok" id="status-workers">Обработчики: работают</li>' in html
    assert re.search(r'<li class="ok" data-provider="local">[^<]*: настроен</li>', html)
    assert re.search(r'<li class="ok" data-component="database">База данных: в порядке</li>', html)
