"""Django's own refusals (400, 403, 404) inside the admin site are the admin's own page, with what
went wrong; everywhere else they keep the JSON error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db


def run_url(slot) -> str:
    return f"/admin/slots/slot/{slot.id}/test-run/"


def assert_admin_page(response, status: int, text: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "PhotoChanger admin" in html and text in html, html[:500]


def test_a_test_run_form_with_too_many_fields_is_refused_on_the_admins_page(admin_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    form = {f"field{i}": "1" for i in range(60)}

    response = admin_client.post(run_url(SlotFactory()), form)

    assert_admin_page(response, 400, "too many fields (at most 50)")


def test_a_test_run_form_with_too_many_files_is_refused_on_the_admins_page(admin_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = {
        f"photo{i}": SimpleUploadedFile(f"p{i}.jpg", images.jpeg(8, 8), content_type="image/jpeg") for i in range(5)
    }

    response = admin_client.post(run_url(SlotFactory()), files)

    assert_admin_page(response, 400, "too many files (at most 3)")


@pytest.mark.parametrize("path", ["slot-test-run", "/admin/media/templatemedia/add/"])
def test_a_multipart_body_without_a_boundary_is_refused_on_the_admins_page(admin_client, path):
    url = run_url(SlotFactory()) if path == "slot-test-run" else path

    response = admin_client.generic("POST", url, b"--x\r\n", content_type="multipart/form-data")

    assert_admin_page(response, 400, "multipart body could not be read")


def test_an_unknown_object_under_the_admin_is_a_404_on_the_admins_page(admin_client):
    response = admin_client.get("/admin/slots/slot/00000000-0000-0000-0000-000000000000/test-run/")

    assert_admin_page(response, 404, "Nothing is here.")


def test_a_staff_user_without_the_change_permission_gets_a_403_on_the_admins_page(client_for):
    viewer = client_for(perms=("slots.view_slot",))

    response = viewer.get(run_url(SlotFactory()))

    assert_admin_page(response, 403, "Permission denied")


def test_outside_the_admin_the_same_refusals_keep_the_json_error_shape():
    client = Client()

    malformed = client.generic("POST", "/ingest/abc", b"--x\r\n", content_type="multipart/form-data")
    missing = client.get("/nothing-here/")

    assert malformed.status_code in (400, 401, 404)
    assert set(malformed.json()["error"]) >= {"code", "message"}
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Nothing is here."}}


def test_a_refused_host_in_the_admin_gets_json_not_a_page_built_on_that_host():
    response = Client(HTTP_HOST="evil.example").get("/admin/login/")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert "Host header" in response.json()["error"]["message"]
