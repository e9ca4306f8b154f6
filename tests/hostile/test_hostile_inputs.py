"""Hostile input: each gets the documented 4xx, nothing is stored or queued, and nothing is a 500."""

from __future__ import annotations

import json
import string

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.models import Job
from media.models import MediaObject
from tests.factories import SlotFactory
from tests.hostile.corpus import CORPUS, TRAVERSAL_NAMES
from tests.support import images

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def slot():
    return SlotFactory()


def _nothing_kept(stored_files) -> None:
    assert Job.objects.count() == 0
    assert MediaObject.objects.count() == 0
    assert stored_files() == []


@pytest.mark.parametrize(("photo", "filename", "status", "code"), [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_hostile_photo_gets_its_documented_error(client, slot, stored_files, photo, filename, status, code):
    upload = SimpleUploadedFile(filename, photo, content_type="image/jpeg")
    response = client.post(f"/ingest/{slot.id}", {"password": slot.secret, "fileToUpload": upload})
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    _nothing_kept(stored_files)


@pytest.mark.parametrize("filename", TRAVERSAL_NAMES)
def test_path_traversal_filenames_never_choose_where_a_photo_is_stored(client, slot, stored_files, filename):
    upload = SimpleUploadedFile(filename, b"not an image", content_type="image/jpeg")
    response = client.post(f"/ingest/{slot.id}", {"password": slot.secret, "fileToUpload": upload})
    assert response.status_code in (400, 415)
    _nothing_kept(stored_files)


def test_huge_text_fields_get_413(client, slot, stored_files):
    upload = SimpleUploadedFile("a.jpg", images.jpeg(), content_type="image/jpeg")
    response = client.post(
        f"/ingest/{slot.id}", {"password": slot.secret, "name": "x" * 400_000, "fileToUpload": upload}
    )
    assert response.status_code == 413
    _nothing_kept(stored_files)


def test_thousands_of_fields_get_400(client, slot, stored_files):
    fields = {f"survey_{i}": "yes" for i in range(2000)}
    response = client.post(f"/ingest/{slot.id}", {"password": slot.secret, **fields})
    assert response.status_code == 400
    _nothing_kept(stored_files)


def test_oversized_json_to_the_admin_api_gets_413(api_client):
    body = json.dumps({"name": "x", "provider": "local", "operation": "sepia", "params": {"p": "x" * 400_000}})
    response = api_client("slots:create").post("/api/slots/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_malformed_json_to_the_admin_api_gets_400(api_client):
    response = api_client("slots:create").post("/api/slots/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


text = st.text(alphabet=string.printable + "äöü€\u202e", max_size=200)


@FUZZ
@given(
    fields=st.dictionaries(text.filter(bool), text, max_size=8),
    filename=text,
    payload=st.binary(max_size=2048),
    field_name=st.sampled_from(["fileToUpload", "photo", "file", "x"]),
)
def test_fuzzed_multipart_requests_never_get_a_server_error(client, slot, fields, filename, payload, field_name):
    # (the test client itself cannot encode a name without a base name; the server never uses it)
    safe_name = "f" + filename.replace("/", "_").replace("\\", "_")
    data = {**fields, "password": slot.secret, field_name: SimpleUploadedFile(safe_name, payload)}
    response = client.post(f"/ingest/{slot.id}", data)
    assert response.status_code in (400, 413, 415), response.content
    assert response.json()["error"]["code"]
    assert Job.objects.count() == 0


@FUZZ
@given(
    body=st.binary(max_size=4096),
    content_type=st.sampled_from(
        ["multipart/form-data; boundary=x", "multipart/form-data", "multipart/form-data; boundary=", "text/plain"]
    ),
)
def test_fuzzed_raw_bodies_never_get_a_server_error(client, slot, body, content_type):
    response = client.post(f"/ingest/{slot.id}", body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert Job.objects.count() == 0
