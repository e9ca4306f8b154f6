"""Every error row of the booth endpoint's error table (docs/spec.md, section 4): the right status,
a JSON body, nothing stored or queued."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jobs.models import Job
from media.models import MediaObject
from tests.factories import SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot():
    return SlotFactory(operation="sepia")


@pytest.fixture
def assert_nothing_kept(stored_files):
    yield
    assert Job.objects.count() == 0
    assert MediaObject.objects.count() == 0
    assert stored_files() == []


def _post(client, slot_id, *, password=None, photo=b"", name="IMG_0003.JPG", field="fileToUpload", **extra):
    data = {"time": "1700000000", "model": "Windows"}
    if password is not None:
        data["password"] = password
    if photo is not None:
        data[field] = SimpleUploadedFile(name, photo, content_type="image/jpeg")
    return client.post(f"/ingest/{slot_id}", data, **extra)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body


def test_unknown_slot_gets_404(client, assert_nothing_kept):
    _error(
        _post(client, "7d2b6f7e-4a43-4b8e-9d2e-9d5f1b9a0c11", password="x", photo=images.jpeg()), 404, "slot_not_found"
    )


@pytest.mark.parametrize("slot_id", ["not-a-uuid", "x" * 300, "1' OR '1'='1", "%00"])
def test_malformed_slot_id_gets_404(client, slot_id, assert_nothing_kept):
    _error(_post(client, slot_id, password="x", photo=images.jpeg()), 404, "slot_not_found")


def test_path_traversal_in_the_slot_id_gets_json_404(client, assert_nothing_kept):
    _error(_post(client, "..%2F..%2Fetc%2Fpasswd", password="x", photo=images.jpeg()), 404, "not_found")


def test_missing_password_gets_401(client, slot, assert_nothing_kept):
    _error(_post(client, slot.id, photo=images.jpeg()), 401, "invalid_password")


def test_wrong_password_gets_401(client, slot, assert_nothing_kept):
    _error(_post(client, slot.id, password=slot.secret + "x", photo=images.jpeg()), 401, "invalid_password")


def test_password_of_another_slot_gets_401(client, slot, assert_nothing_kept):
    other = SlotFactory()
    _error(_post(client, slot.id, password=other.secret, photo=images.jpeg()), 401, "invalid_password")


def test_disabled_slot_gets_403(client, assert_nothing_kept):
    slot = SlotFactory(is_active=False)
    _error(_post(client, slot.id, password=slot.secret, photo=images.jpeg()), 403, "slot_disabled")


def test_disabled_slot_with_wrong_password_gets_401_not_403(client, assert_nothing_kept):
    slot = SlotFactory(is_active=False)
    _error(_post(client, slot.id, password="wrong", photo=images.jpeg()), 401, "invalid_password")


def test_request_without_a_file_gets_400(client, slot, assert_nothing_kept):
    _error(_post(client, slot.id, password=slot.secret, photo=None), 400, "no_file")


def test_non_multipart_body_gets_400(client, slot, assert_nothing_kept):
    response = client.post(f"/ingest/{slot.id}", b"\xff\xd8\xff", content_type="image/jpeg")
    _error(response, 400, "bad_request")


def test_malformed_multipart_gets_400(client, slot, assert_nothing_kept):
    response = client.post(f"/ingest/{slot.id}", b"--x\r\nnonsense", content_type="multipart/form-data; boundary=")
    _error(response, 400, "bad_request")


def test_declared_body_over_the_limit_gets_413_before_reading(client, slot, settings, assert_nothing_kept):
    settings.UPLOAD_MAX_BYTES = 1000
    response = _post(client, slot.id, password=slot.secret, photo=b"x" * (600 * 1024))
    _error(response, 413, "file_too_large")


def test_file_over_the_limit_inside_a_small_envelope_gets_413(client, slot, settings, assert_nothing_kept):
    settings.UPLOAD_MAX_BYTES = 10_000
    photo = images.jpeg(800, 600)
    assert len(photo) > 10_000
    _error(_post(client, slot.id, password=slot.secret, photo=photo), 413, "file_too_large")


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"this is not an image at all", id="text-as-jpg"),
        pytest.param(images.jpeg()[:2000], id="truncated-jpeg"),
        pytest.param(images.png()[:500], id="truncated-png"),
        pytest.param(images.encode(images.gradient(), "GIF"), id="gif"),
        pytest.param(images.encode(images.gradient(), "BMP"), id="bmp"),
        pytest.param(b"", id="empty-file"),
    ],
)
def test_undecodable_or_unsupported_file_gets_415(client, slot, payload, assert_nothing_kept):
    _error(_post(client, slot.id, password=slot.secret, photo=payload), 415, "unsupported_media_type")


def test_decompression_bomb_gets_415(client, slot, settings, assert_nothing_kept):
    settings.IMAGE_MAX_PIXELS = 10_000
    _error(_post(client, slot.id, password=slot.secret, photo=images.png(200, 200)), 415, "unsupported_media_type")


def test_huge_dimension_png_bomb_gets_415(client, slot, assert_nothing_kept):
    buffer = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buffer, "PNG")  # 900 MP, a few KB on the wire
    _error(_post(client, slot.id, password=slot.secret, photo=buffer.getvalue()), 415, "unsupported_media_type")


def test_get_gets_405_json(client, slot, assert_nothing_kept):
    response = client.get(f"/ingest/{slot.id}")
    _error(response, 405, "method_not_allowed")


def test_password_in_basic_auth_is_accepted(client, slot, settings):
    """Reaching 415 proves the password check passed."""
    token = base64.b64encode(f"booth:{slot.secret}".encode()).decode()
    response = _post(client, slot.id, photo=b"not an image", HTTP_AUTHORIZATION=f"Basic {token}")
    _error(response, 415, "unsupported_media_type")


def test_password_in_header_is_accepted(client, slot):
    response = _post(client, slot.id, photo=b"not an image", HTTP_X_SLOT_PASSWORD=slot.secret)
    _error(response, 415, "unsupported_media_type")
