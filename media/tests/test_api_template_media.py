"""Template media (docs/spec.md, UC5): upload, list, detail with its users, delete refused while a slot uses it."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media.models import TemplateMedia
from slots.models import Slot
from tests.factories import SlotFactory, TemplateMediaFactory
from tests.support import images

pytestmark = pytest.mark.django_db

REGISTER = "/api/template-media/register"
LIST = "/api/template-media/"


def _detail(template_id) -> str:
    return f"/api/template-media/{template_id}"


def _upload(client, data: bytes, *, filename: str = "frame.png", path: str = REGISTER, **fields):
    return client.post(path, {"file": SimpleUploadedFile(filename, data), **fields}, format="multipart")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()["error"]
    assert body["code"] == code
    return body


def _slot_using(template: TemplateMedia, name: str = "Wedding booth") -> Slot:
    return SlotFactory(name=name, operation="overlay", params={"frame": str(template.id)})


# --- register -----------------------------------------------------------------------------------


def test_register_stores_the_image_and_answers_201_without_any_url(api_client, stored_files):
    response = _upload(api_client("media:write"), images.png(64, 48), name="Gold frame")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "content_type", "size", "width", "height", "created_at"}
    assert not any("url" in key or "http" in str(value) for key, value in body.items())
    template = TemplateMedia.objects.get(id=body["id"])
    assert (body["name"], body["content_type"], body["width"], body["height"]) == ("Gold frame", "image/png", 64, 48)
    assert body["size"] == template.size == len(images.png(64, 48))
    assert stored_files("templates/") == [f"templates/{template.id}.png"]


def test_register_with_a_trailing_slash_is_not_redirected(api_client):
    response = _upload(api_client("media:write"), images.jpeg(32, 32), path=f"{REGISTER}/")
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/jpeg"


def test_name_defaults_to_the_uploads_file_name_without_its_path(api_client):
    response = _upload(api_client("media:write"), images.png(8, 8), filename="C:\\Users\\me\\Gold\tframe.png")
    assert response.status_code == 201
    assert response.json()["name"] == "Goldframe.png"


def test_blank_name_also_falls_back_to_the_file_name(api_client):
    response = _upload(api_client("media:write"), images.png(8, 8), filename="overlay.png", name="   ")
    assert response.json()["name"] == "overlay.png"


def test_register_without_a_file_gets_400(api_client, stored_files):
    response = api_client("media:write").post(REGISTER, {"name": "No file"}, format="multipart")
    _error(response, 400, "no_file")
    assert TemplateMedia.objects.count() == 0
    assert stored_files() == []


def test_register_with_a_json_body_gets_415(api_client):
    response = api_client("media:write").post(REGISTER, {"name": "x"}, format="json")
    _error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"this is not an image", id="text"),
        pytest.param(images.encode(images.gradient(), "GIF"), id="gif"),
        pytest.param(images.png()[:300], id="truncated-png"),
        pytest.param(b"", id="empty"),
    ],
)
def test_non_images_get_415_and_nothing_is_kept(api_client, stored_files, payload):
    _error(_upload(api_client("media:write"), payload), 415, "unsupported_media_type")
    assert TemplateMedia.objects.count() == 0
    assert stored_files() == []


def test_decompression_bomb_gets_415(api_client, settings, stored_files):
    settings.IMAGE_MAX_PIXELS = 10_000
    _error(_upload(api_client("media:write"), images.png(200, 200)), 415, "unsupported_media_type")
    assert stored_files() == []


def test_file_over_the_upload_limit_gets_413(api_client, settings, stored_files):
    settings.UPLOAD_MAX_BYTES = 10_000
    data = images.jpeg(800, 600)
    assert len(data) > 10_000
    _error(_upload(api_client("media:write"), data, filename="big.jpg"), 413, "file_too_large")
    assert TemplateMedia.objects.count() == 0
    assert stored_files() == []


def test_declared_body_far_over_the_limit_gets_413_before_reading(api_client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    _error(_upload(api_client("media:write"), b"x" * (600 * 1024)), 413, "file_too_large")


def test_name_longer_than_200_characters_gets_422(api_client):
    body = _error(_upload(api_client("media:write"), images.png(8, 8), name="n" * 201), 422, "validation_failed")
    assert "name" in body["fields"]


def test_register_needs_a_token_401(anon_client):
    _error(_upload(anon_client, images.png(8, 8)), 401, "not_authenticated")


def test_register_needs_media_write_403(api_client, stored_files):
    _error(_upload(api_client("slots:read", "slots:write"), images.png(8, 8)), 403, "insufficient_scope")
    assert stored_files() == []


# --- list and detail ----------------------------------------------------------------------------


def test_list_shows_every_template_newest_first(api_client):
    older, newer = TemplateMediaFactory(name="Older"), TemplateMediaFactory(name="Newer")
    response = api_client("media:read").get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["id"] for item in body["results"]] == [str(newer.id), str(older.id)]
    assert set(body["results"][0]) == {"id", "name", "content_type", "size", "width", "height", "created_at"}


def test_list_needs_a_token_401(anon_client):
    _error(anon_client.get(LIST), 401, "not_authenticated")


def test_list_needs_media_read_403(api_client):
    _error(api_client("media:write", "slots:read").get(LIST), 403, "insufficient_scope")


def test_detail_names_the_slots_that_use_the_template(api_client):
    template = TemplateMediaFactory(name="Frame")
    slot = _slot_using(template, name="Beach booth")
    SlotFactory(name="Unrelated booth")
    response = api_client("media:read").get(_detail(template.id))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["width"], body["height"]) == (str(template.id), "Frame", 64, 48)
    assert body["used_by"] == [{"id": str(slot.id), "name": "Beach booth"}]


def test_detail_of_an_unused_template_has_no_users(api_client):
    template = TemplateMediaFactory()
    assert api_client("media:read").get(_detail(template.id)).json()["used_by"] == []


@pytest.mark.parametrize("template_id", [uuid.uuid4(), "not-a-uuid"])
def test_detail_of_an_unknown_template_gets_404(api_client, template_id):
    _error(api_client("media:read").get(_detail(template_id)), 404, "not_found")


def test_detail_needs_a_token_401(anon_client):
    _error(anon_client.get(_detail(TemplateMediaFactory().id)), 401, "not_authenticated")


def test_detail_needs_media_read_403(api_client):
    _error(api_client("media:write").get(_detail(TemplateMediaFactory().id)), 403, "insufficient_scope")


# --- delete -------------------------------------------------------------------------------------


def test_delete_removes_the_row_and_the_file(api_client, stored_files, django_capture_on_commit_callbacks):
    template = TemplateMediaFactory()
    assert stored_files("templates/") == [template.storage_key]
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client("media:delete").delete(_detail(template.id))
    assert response.status_code == 204
    assert not TemplateMedia.objects.filter(id=template.id).exists()
    assert stored_files("templates/") == []


def test_delete_while_slots_use_it_gets_409_naming_them_and_keeps_the_file(
    api_client, stored_files, django_capture_on_commit_callbacks
):
    template = TemplateMediaFactory()
    first, second = _slot_using(template, "Alpha booth"), _slot_using(template, "Beta booth")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client("media:delete").delete(_detail(template.id))
    body = _error(response, 409, "template_media_in_use")
    assert body["slots"] == [{"id": str(first.id), "name": "Alpha booth"}, {"id": str(second.id), "name": "Beta booth"}]
    assert "Alpha booth" in body["message"] and "Beta booth" in body["message"]
    assert TemplateMedia.objects.filter(id=template.id).exists()
    assert stored_files("templates/") == [template.storage_key]


def test_delete_succeeds_once_no_slot_uses_it_any_more(api_client, stored_files, django_capture_on_commit_callbacks):
    template = TemplateMediaFactory()
    slot = _slot_using(template)
    client = api_client("media:write", "media:delete")
    _error(client.delete(_detail(template.id)), 409, "template_media_in_use")
    Slot.objects.filter(id=slot.id).delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(_detail(template.id))
    assert response.status_code == 204
    assert stored_files("templates/") == []


def test_delete_of_an_unknown_template_gets_404(api_client):
    _error(api_client("media:delete").delete(_detail(uuid.uuid4())), 404, "not_found")


def test_delete_needs_a_token_401(anon_client, stored_files):
    template = TemplateMediaFactory()
    _error(anon_client.delete(_detail(template.id)), 401, "not_authenticated")
    assert stored_files("templates/") == [template.storage_key]


def test_delete_needs_media_delete_403(api_client, stored_files):
    # Uploading templates does not allow deleting them.
    template = TemplateMediaFactory()
    client = api_client("slots:read", "slots:write", "media:read", "media:write")
    _error(client.delete(_detail(template.id)), 403, "insufficient_scope")
    assert TemplateMedia.objects.filter(id=template.id).exists()
    assert stored_files("templates/") == [template.storage_key]


def test_registered_template_is_usable_by_a_slot_right_away(api_client):
    response = _upload(api_client("media:write"), images.png(16, 16))
    slot = SlotFactory(operation="overlay", params={"frame": response.json()["id"]})
    assert [str(t.id) for t in slot.template_media.all()] == [response.json()["id"]]


def test_template_files_have_no_public_link(client):
    template = TemplateMediaFactory()
    assert client.get(f"/m/{template.id}").status_code == 404
    assert client.get(f"/media/{template.storage_key}").status_code == 404
