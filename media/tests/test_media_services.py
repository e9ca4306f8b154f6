"""Services and selectors of template media and registered media, below the HTTP layer."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import ApplicationError, Conflict
from media.models import MediaObject, TemplateMedia
from media.selectors import (
    MEDIA_LINK_SALT,
    media_get_by_link_token,
    media_link_open,
    template_media_get,
    template_media_list,
)
from media.services import (
    media_delete,
    media_link_url,
    media_register,
    template_media_create,
    template_media_delete,
    template_media_name,
)
from slots.models import SlotTemplateMedia
from tests.factories import RegisteredMediaFactory, SlotFactory, TemplateMediaFactory
from tests.support import images


def _named(data: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "filename", "expected"),
    [
        ("  Gold frame ", "x.png", "Gold frame"),
        (None, "/tmp/uploads/frame.png", "frame.png"),
        ("", "C:\\fakepath\\frame.png", "frame.png"),
        (None, "bad\x00name\n.png", "badname.png"),
        (None, None, "template"),
        (None, "\x07", "template"),
        (None, "n" * 300 + ".png", "n" * 200),
    ],
)
def test_template_name_is_the_given_name_or_the_sanitised_file_name(name, filename, expected):
    assert template_media_name(name=name, filename=filename) == expected


# --- template_media_create ----------------------------------------------------------------------


@pytest.mark.django_db
def test_create_stores_the_file_under_its_id_with_the_checked_dimensions(stored_files):
    template = template_media_create(name=None, upload=_named(images.jpeg(40, 30), "style.jpg"))
    assert (template.name, template.content_type, template.width, template.height) == (
        "style.jpg",
        "image/jpeg",
        40,
        30,
    )
    assert template.storage_key == f"templates/{template.id}.jpg"
    assert stored_files() == [template.storage_key]


@pytest.mark.django_db
def test_create_rejects_a_non_image_with_415_and_stores_nothing(stored_files):
    with pytest.raises(ApplicationError) as info:
        template_media_create(name="x", upload=io.BytesIO(b"GIF89a not really"))
    assert (info.value.status, info.value.code) == (415, "unsupported_media_type")
    assert stored_files() == []


@pytest.mark.django_db
def test_a_row_that_cannot_be_saved_leaves_no_file_behind(stored_files):
    with mock.patch.object(TemplateMedia, "save", side_effect=IntegrityError("boom")), pytest.raises(IntegrityError):
        template_media_create(name="x", upload=io.BytesIO(images.png(8, 8)))
    assert stored_files() == []


# --- template_media_delete ----------------------------------------------------------------------


@pytest.mark.django_db
def test_delete_removes_the_file_only_after_commit(stored_files, django_capture_on_commit_callbacks):
    template = TemplateMediaFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        template_media_delete(template_media_id=template.id)
    assert not TemplateMedia.objects.filter(id=template.id).exists()
    assert stored_files() == [template.storage_key]  # a rollback could still bring the row back
    for callback in callbacks:
        callback()
    assert stored_files() == []


@pytest.mark.django_db
def test_delete_in_use_raises_conflict_listing_the_slots_by_name(stored_files):
    template = TemplateMediaFactory()
    zulu = SlotFactory(name="Zulu", operation="overlay", params={"frame": str(template.id)})
    alpha = SlotFactory(name="Alpha", operation="overlay", params={"frame": str(template.id)})
    with pytest.raises(Conflict) as info:
        template_media_delete(template_media_id=template.id)
    assert (info.value.status, info.value.code) == (409, "template_media_in_use")
    assert info.value.extra["slots"] == [{"id": str(alpha.id), "name": "Alpha"}, {"id": str(zulu.id), "name": "Zulu"}]
    assert TemplateMedia.objects.filter(id=template.id).exists()
    assert stored_files() == [template.storage_key]


@pytest.mark.django_db
@pytest.mark.parametrize("template_id", [uuid.uuid4(), "nope", ""])
def test_delete_of_an_unknown_id_raises_404(template_id):
    with pytest.raises(ApplicationError) as info:
        template_media_delete(template_media_id=template_id)
    assert (info.value.status, info.value.code) == (404, "not_found")


@pytest.mark.django_db(transaction=True)
def test_a_slot_linked_while_the_delete_is_in_flight_cannot_commit(stored_files):
    """The race the database settles: a link made concurrently waits for the delete, then fails."""
    template, slot = TemplateMediaFactory(), SlotFactory()
    errors: list[Exception] = []

    def link() -> None:
        try:
            with transaction.atomic():
                SlotTemplateMedia.objects.create(slot=slot, template_media_id=template.id)
        except IntegrityError as exc:
            errors.append(exc)
        finally:
            connection.close()

    linker = threading.Thread(target=link)
    with transaction.atomic():
        template_media_delete(template_media_id=template.id)
        linker.start()
        linker.join(timeout=1)
        assert linker.is_alive(), "the concurrent link should wait for the deleting transaction"
    linker.join(timeout=10)
    assert not linker.is_alive()
    assert len(errors) == 1
    assert not SlotTemplateMedia.objects.exists()
    assert not TemplateMedia.objects.exists()
    assert stored_files() == []


# --- template selectors -------------------------------------------------------------------------


@pytest.mark.django_db
def test_template_get_prefetches_its_slots_and_ignores_malformed_ids(django_assert_num_queries):
    template = TemplateMediaFactory()
    SlotFactory(name="B", operation="overlay", params={"frame": str(template.id)})
    SlotFactory(name="A", operation="overlay", params={"frame": str(template.id)})
    with django_assert_num_queries(2):
        found = template_media_get(template_media_id=str(template.id))
        assert [slot.name for slot in found.slots.all()] == ["A", "B"]
    assert template_media_get(template_media_id="../etc") is None
    assert template_media_get(template_media_id=uuid.uuid4()) is None


@pytest.mark.django_db
def test_template_list_is_newest_first():
    first, second = TemplateMediaFactory(), TemplateMediaFactory()
    assert list(template_media_list()) == [second, first]


# --- media_register and links -------------------------------------------------------------------


@pytest.mark.django_db
def test_register_uses_the_configured_ttl_and_the_media_prefix(settings, stored_files):
    settings.MEDIA_TTL_SECONDS = 5
    media = media_register(upload=io.BytesIO(images.encode(images.gradient(16, 16), "WEBP")))
    assert media.kind == MediaObject.Kind.REGISTERED
    assert media.expires_at - media.created_at == timedelta(seconds=5)
    assert (media.storage_key, media.content_type) == (f"media/{media.id}.webp", "image/webp")
    assert stored_files() == [media.storage_key]
    assert media.size == default_storage.size(media.storage_key)


@pytest.mark.django_db
def test_register_rejects_a_non_image_with_415(stored_files):
    with pytest.raises(ApplicationError) as info:
        media_register(upload=io.BytesIO(b""))
    assert info.value.status == 415
    assert MediaObject.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
def test_link_url_is_absolute_and_resolves_back_to_the_media(settings):
    settings.PUBLIC_BASE_URL = "https://pc.example.com"
    media = RegisteredMediaFactory()
    url = media_link_url(media=media)
    assert url.startswith("https://pc.example.com/m/")
    assert media_get_by_link_token(token=url.rsplit("/", 1)[1]) == media


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        signing.dumps(123, salt=MEDIA_LINK_SALT),
        signing.dumps("not-a-uuid", salt=MEDIA_LINK_SALT),
        signing.dumps(str(uuid.uuid4()), salt=MEDIA_LINK_SALT),
        signing.dumps(str(uuid.uuid4()), salt="photochanger.results"),
    ],
)
def test_bad_tokens_resolve_to_nothing(token):
    RegisteredMediaFactory()
    assert media_get_by_link_token(token=token) is None


@pytest.mark.django_db
def test_link_open_counts_the_seconds_left_down_and_refuses_at_expiry():
    media = RegisteredMediaFactory()
    token = signing.dumps(str(media.id), salt=MEDIA_LINK_SALT, compress=True)
    with mock.patch("django.utils.timezone.now", return_value=media.created_at + timedelta(seconds=12.7)):
        served = media_link_open(token=token, with_file=False)
    assert (served.media, served.seconds_left, served.file) == (media, 47, None)
    with (
        mock.patch("django.utils.timezone.now", return_value=media.expires_at),
        pytest.raises(ApplicationError) as info,
    ):
        media_link_open(token=token)
    assert (info.value.status, info.value.code) == (410, "media_expired")


@pytest.mark.django_db
def test_link_open_refuses_a_media_the_cleanup_deleted():
    media = RegisteredMediaFactory()
    token = signing.dumps(str(media.id), salt=MEDIA_LINK_SALT, compress=True)
    served = media_link_open(token=token)
    assert served.file.read() == default_storage.open(media.storage_key).read()
    served.file.close()
    assert media_delete(media_id=media.id)
    with pytest.raises(ApplicationError) as info:
        media_link_open(token=token)
    assert info.value.status == 410
    assert timezone.now() < media.expires_at
