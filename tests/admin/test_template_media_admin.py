"""Template media in the admin site: upload with a preview, refusal to delete what slots use,
and no public link anywhere."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from media.models import TemplateMedia
from tests.factories import SlotFactory, TemplateMediaFactory
from tests.support import images

pytestmark = pytest.mark.django_db

LIST = "/admin/media/templatemedia/"
ADD = f"{LIST}add/"


def upload(name: str = "frame.png", data: bytes | None = None, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else images.png(120, 80), content_type=content_type)


def test_uploading_stores_the_template_through_the_service(admin_client, stored_files):
    response = admin_client.post(ADD, {"name": "Gold frame", "file": upload()})

    assert response.status_code == 302
    template = TemplateMedia.objects.get()
    assert (template.name, template.width, template.height, template.content_type) == (
        "Gold frame",
        120,
        80,
        "image/png",
    )
    assert stored_files("templates/") == [f"templates/{template.id}.png"]


def test_the_name_defaults_to_the_file_name(admin_client):
    admin_client.post(ADD, {"name": "", "file": upload("C:\\Users\\op\\Style one.png")})

    assert TemplateMedia.objects.get().name == "Style one.png"


def test_a_file_that_is_not_an_image_is_refused_on_the_file_field(admin_client, stored_files):
    response = admin_client.post(ADD, {"name": "x", "file": upload("frame.png", b"not an image")})

    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["file"]
    assert message.startswith("Not a usable JPEG, PNG, WebP, HEIC/HEIF or AVIF image")
    assert not TemplateMedia.objects.exists() and stored_files() == []


def test_the_upload_page_previews_the_chosen_file(admin_client):
    html = admin_client.get(ADD).content.decode()

    assert 'class="template-upload"' in html and "template_upload.js" in html
    assert 'accept="image/jpeg,image/png,image/webp"' in html


def test_list_and_page_show_staff_thumbnails_and_the_slots_using_it(admin_client):
    template = TemplateMediaFactory(name="Gold frame")
    slot = SlotFactory(name="Wedding", operation="overlay", params={"frame": str(template.id)})
    thumbnail = f'src="/admin/media/templatemedia/{template.id}/thumbnail/"'

    listing = admin_client.get(LIST).content.decode()
    page = admin_client.get(f"{LIST}{template.id}/change/").content.decode()

    for html in (listing, page):
        assert thumbnail in html
        assert f'<a href="/admin/slots/slot/{slot.id}/change/">Wedding</a>' in html


def test_admin_pages_never_offer_a_public_url_for_template_media(admin_client):
    template = TemplateMediaFactory()
    SlotFactory(operation="overlay", params={"frame": str(template.id)})
    public = default_storage.url(template.storage_key)
    pages = [
        LIST,
        f"{LIST}{template.id}/change/",
        f"{LIST}{template.id}/delete/",
        "/admin/slots/slot/add/?provider=local&operation=overlay",
    ]

    for url in pages:
        html = admin_client.get(url).content.decode()
        assert template.storage_key not in html, url
        assert public not in html, url
        assert "/m/" not in html, url


def test_a_template_cannot_be_changed_in_place(admin_client):
    template = TemplateMediaFactory(name="Original")

    response = admin_client.post(f"{LIST}{template.id}/change/", {"name": "Renamed"})

    assert response.status_code == 403
    assert TemplateMedia.objects.get().name == "Original"


def test_deleting_a_template_that_slots_use_is_refused_naming_the_slots(admin_client):
    template = TemplateMediaFactory(name="Gold frame")
    for name in ("Wedding", "Gala"):
        SlotFactory(name=name, operation="overlay", params={"frame": str(template.id)})

    page = admin_client.get(f"{LIST}{template.id}/delete/").content.decode()
    response = admin_client.post(f"{LIST}{template.id}/delete/", {"post": "yes"})

    assert "cannot be deleted while slots use it" in page
    assert "Gold frame is used by:" in page and ">Gala</a>, <a" in page and ">Wedding</a>" in page
    assert response.status_code == 200
    assert TemplateMedia.objects.filter(id=template.id).exists()
    assert default_storage.exists(template.storage_key)


def test_deleting_an_unused_template_removes_it_and_its_file(admin_client, django_capture_on_commit_callbacks):
    template = TemplateMediaFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{LIST}{template.id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not TemplateMedia.objects.exists()
    assert not default_storage.exists(template.storage_key)


def test_bulk_delete_is_refused_while_any_selected_template_is_in_use(admin_client):
    used, unused = TemplateMediaFactory(name="Used"), TemplateMediaFactory(name="Unused")
    SlotFactory(name="Wedding", operation="overlay", params={"frame": str(used.id)})
    data = {"action": "delete_selected", "_selected_action": [str(used.id), str(unused.id)], "post": "yes"}

    response = admin_client.post(LIST, data)

    assert "Used is used by:" in response.content.decode()
    assert TemplateMedia.objects.count() == 2


def test_a_concurrent_use_between_confirmation_and_delete_is_reported(admin_client, monkeypatch):
    from core.errors import Conflict

    def in_use(**kwargs):
        raise Conflict("Template media is used by 1 slot(s): Late. Remove it from them first.")

    monkeypatch.setattr("console.admin.media.template_media_delete", in_use)
    template = TemplateMediaFactory()

    response = admin_client.post(f"{LIST}{template.id}/delete/", {"post": "yes"}, follow=True)

    assert any("used by 1 slot(s): Late" in str(m) for m in response.context["messages"])
    assert TemplateMedia.objects.filter(id=template.id).exists()
