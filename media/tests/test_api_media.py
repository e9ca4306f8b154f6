"""Temporary media (docs/spec.md, UC4): register a file, fetch it through its public link until it expires."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from core.api import SCOPES
from media.models import MediaObject
from media.selectors import MEDIA_LINK_SALT
from media.services import media_delete
from tests.factories import RegisteredMediaFactory
from tests.support import images

pytestmark = pytest.mark.django_db

REGISTER = "/api/media/register"


class Clock:
    """A controlled ``timezone.now``: frozen at creation, moved only by ``advance``."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    # media.services and media.selectors call ``timezone.now()`` through the module, so patching
    # the module attribute controls both the expiry they write and the one they check.
    frozen = Clock(timezone.now())
    with mock.patch("django.utils.timezone.now", side_effect=lambda: frozen.now):
        yield frozen


def _register(client, data: bytes, filename: str = "photo.jpg"):
    return client.post(REGISTER, {"file": SimpleUploadedFile(filename, data)}, format="multipart")


def _path(url: str) -> str:
    assert url.startswith("http://testserver-public/m/"), url
    return url.removeprefix("http://testserver-public")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()["error"]
    assert body["code"] == code
    return body


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = "http://testserver-public"


# --- register -----------------------------------------------------------------------------------


def test_register_answers_201_with_a_public_link_and_an_expiry_60_s_ahead(api_client, clock, stored_files):
    response = _register(api_client("media:register"), images.jpeg(64, 48))
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "url", "expires_at"}
    media = MediaObject.objects.get(id=body["id"])
    assert media.kind == MediaObject.Kind.REGISTERED
    assert media.created_at == clock.now
    assert media.expires_at - media.created_at == timedelta(seconds=60)
    assert datetime.fromisoformat(body["expires_at"]) == clock.now + timedelta(seconds=60)
    assert media.storage_key == f"media/{media.id}.jpg"
    assert stored_files("media/") == [media.storage_key]
    # Unguessable: the id alone is not the link, the link carries a signature.
    assert str(media.id) not in _path(body["url"]).removeprefix("/m/").split(":")


def test_register_with_a_trailing_slash_is_not_redirected(api_client):
    response = api_client("media:register").post(
        f"{REGISTER}/", {"file": SimpleUploadedFile("p.png", images.png(8, 8))}, format="multipart"
    )
    assert response.status_code == 201


def test_register_without_a_file_gets_400(api_client, stored_files):
    _error(api_client("media:register").post(REGISTER, {}, format="multipart"), 400, "no_file")
    assert MediaObject.objects.count() == 0
    assert stored_files() == []


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"definitely not an image", id="text"),
        pytest.param(images.jpeg()[:1500], id="truncated-jpeg"),
        pytest.param(b"", id="empty"),
    ],
)
def test_non_images_get_415_and_nothing_is_kept(api_client, stored_files, payload):
    _error(_register(api_client("media:register"), payload), 415, "unsupported_media_type")
    assert MediaObject.objects.count() == 0
    assert stored_files() == []


def test_decompression_bomb_gets_415(api_client, settings):
    settings.IMAGE_MAX_PIXELS = 10_000
    _error(_register(api_client("media:register"), images.png(200, 200)), 415, "unsupported_media_type")


def test_file_over_the_upload_limit_gets_413(api_client, settings, stored_files):
    settings.UPLOAD_MAX_BYTES = 10_000
    _error(_register(api_client("media:register"), images.jpeg(800, 600)), 413, "file_too_large")
    assert MediaObject.objects.count() == 0
    assert stored_files() == []


def test_register_needs_a_token_401(anon_client):
    _error(_register(anon_client, images.jpeg(8, 8)), 401, "not_authenticated")


def test_register_needs_media_register_403(api_client):
    # Template media writers included: a registered file is public, a template never is.
    client = api_client("slots:read", "slots:write", "jobs:write", "media:write", "media:read", "media:delete")
    _error(_register(client, images.jpeg(8, 8)), 403, "insufficient_scope")
    assert MediaObject.objects.count() == 0


# --- the public link ----------------------------------------------------------------------------


def test_link_serves_the_file_at_59_s_and_answers_410_at_61_s(api_client, anon_client, clock):
    data = images.jpeg(64, 48)
    url = _path(_register(api_client("media:register"), data).json()["url"])

    clock.advance(59)
    response = anon_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == str(len(data))
    assert response["Cache-Control"] == "private, max-age=1"
    assert response["X-Content-Type-Options"] == "nosniff"

    clock.advance(2)
    _error(anon_client.get(url), 410, "media_expired")


def test_link_is_gone_at_exactly_the_expiry(anon_client, clock):
    media = RegisteredMediaFactory()
    url = f"/m/{signing.dumps(str(media.id), salt=MEDIA_LINK_SALT, compress=True)}"
    clock.advance(60)
    _error(anon_client.get(url), 410, "media_expired")
    assert default_storage.exists(media.storage_key)  # 410 on read, before the cleanup runs


def test_link_needs_no_authentication_and_ignores_a_bad_bearer_token(api_client, clock):
    url = _path(_register(api_client("media:register"), images.png(8, 8)).json()["url"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = client.get(url, HTTP_ACCEPT="image/*")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=60"


def test_head_gives_the_headers_without_the_body(api_client, anon_client, clock):
    data = images.jpeg(32, 32)
    url = _path(_register(api_client("media:register"), data).json()["url"])
    clock.advance(30)
    response = anon_client.head(url)
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(data))
    assert response["Cache-Control"] == "private, max-age=30"
    assert response.content == b""
    clock.advance(31)
    assert anon_client.head(url).status_code == 410


def test_link_of_a_deleted_media_gets_410(anon_client, api_client):
    body = _register(api_client("media:register"), images.jpeg(8, 8)).json()
    assert media_delete(media_id=uuid.UUID(body["id"]))
    _error(anon_client.get(_path(body["url"])), 410, "media_expired")


def test_link_whose_file_has_vanished_gets_410(anon_client, api_client):
    body = _register(api_client("media:register"), images.jpeg(8, 8)).json()
    default_storage.delete(MediaObject.objects.get(id=body["id"]).storage_key)
    _error(anon_client.get(_path(body["url"])), 410, "media_expired")


def test_forged_or_altered_token_gets_404(api_client, anon_client):
    body = _register(api_client("media:register"), images.jpeg(8, 8)).json()
    token = _path(body["url"]).removeprefix("/m/")
    forged = signing.dumps(body["id"], salt="some-other-salt", compress=True)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in (f"/m/{forged}", f"/m/{tampered}", f"/m/{body['id']}", "/m/garbage"):
        _error(anon_client.get(path), 404, "not_found")


def test_validly_signed_token_of_an_unknown_id_gets_404(anon_client):
    token = signing.dumps(str(uuid.uuid4()), salt=MEDIA_LINK_SALT, compress=True)
    _error(anon_client.get(f"/m/{token}"), 404, "not_found")


def test_ingest_inputs_are_never_served_by_a_link(anon_client):
    now = timezone.now()
    media = MediaObject.objects.create(
        kind=MediaObject.Kind.INGEST_INPUT,
        storage_key=f"inputs/{uuid.uuid4()}.jpg",
        content_type="image/jpeg",
        size=1,
        created_at=now,
        expires_at=now + timedelta(seconds=50),
    )
    default_storage.save(media.storage_key, SimpleUploadedFile("x", images.jpeg(8, 8)))
    token = signing.dumps(str(media.id), salt=MEDIA_LINK_SALT, compress=True)
    _error(anon_client.get(f"/m/{token}"), 404, "not_found")


# --- no TTL extension ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("post", "/extend"),
        ("post", "/extend/"),
        ("patch", ""),
        ("put", ""),
        ("patch", "/"),
        ("post", "/ttl"),
        ("get", ""),
        ("delete", ""),
    ],
)
def test_there_is_no_endpoint_to_extend_a_ttl(api_client, method, suffix, clock):
    media = RegisteredMediaFactory()
    client = api_client(*SCOPES)
    response = getattr(client, method)(f"/api/media/{media.id}{suffix}", {"ttl": 3600}, format="json")
    _error(response, 404, "not_found")
    media.refresh_from_db()
    assert media.expires_at == clock.now + timedelta(seconds=60)


def test_link_serves_and_expires_on_every_storage_backend(
    storage_backend, api_client, anon_client, clock, stored_files
):
    data = images.png(24, 24)
    body = _register(api_client("media:register"), data, filename="p.png").json()
    assert stored_files("media/") == [f"media/{body['id']}.png"]
    response = anon_client.get(_path(body["url"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert anon_client.head(_path(body["url"])).status_code == 200
    default_storage.delete(f"media/{body['id']}.png")
    _error(anon_client.get(_path(body["url"])), 410, "media_expired")
