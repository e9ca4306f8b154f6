"""Storing media: the file is written before its row, and a failure deletes it only when the row
surely did not commit."""

from __future__ import annotations

import io

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError, transaction
from django.db.models.signals import post_save

from media.models import MediaObject, TemplateMedia
from media.services import media_register, storage_delete_unless_committed, storage_write, template_media_create
from tests.support import images

pytestmark = pytest.mark.django_db(transaction=True)

STORES = {
    "template": (TemplateMedia, lambda: template_media_create(name="Frame", upload=io.BytesIO(images.png(16, 16)))),
    "registered": (MediaObject, lambda: media_register(upload=io.BytesIO(images.jpeg(16, 16)))),
}


def _interrupt() -> None:
    raise SoftTimeLimitExceeded()


@pytest.fixture
def interrupt_after_insert():
    """``interrupt_after_insert(model, after_commit)``: an interrupt once the row's INSERT ran,
    before the store returns: in a post-save handler, or after COMMIT (an on-commit hook)."""
    connected = []

    def connect(model, *, after_commit: bool) -> None:
        def interrupted(**kwargs):
            transaction.on_commit(_interrupt) if after_commit else _interrupt()

        post_save.connect(interrupted, sender=model, weak=False)
        connected.append((interrupted, model))

    yield connect
    for receiver, model in connected:
        post_save.disconnect(receiver, sender=model)


@pytest.mark.parametrize("after_commit", [False, True], ids=["before-commit", "after-commit"])
@pytest.mark.parametrize("kind", STORES)
def test_an_interrupt_after_the_insert_leaves_the_row_and_its_file_together_or_neither(
    kind, after_commit, interrupt_after_insert, stored_files
):
    model, store = STORES[kind]
    interrupt_after_insert(model, after_commit=after_commit)

    with pytest.raises(SoftTimeLimitExceeded):
        store()

    assert stored_files() == sorted(model.objects.values_list("storage_key", flat=True))
    assert model.objects.exists() == after_commit


@pytest.mark.parametrize("kind", STORES)
def test_a_row_that_cannot_be_saved_leaves_no_file(kind, monkeypatch, stored_files):
    model, store = STORES[kind]

    def refused(self, *args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(model, "save", refused)

    with pytest.raises(SoftTimeLimitExceeded):
        store()

    assert not model.objects.exists()
    assert stored_files() == []


def test_a_file_whose_row_the_database_cannot_confirm_is_kept_for_the_orphan_sweep(stored_files):
    storage_write(key="media/unsure.jpg", content=images.jpeg(8, 8))

    def unreachable() -> bool:
        raise OperationalError("the database is gone")

    storage_delete_unless_committed(key="media/unsure.jpg", committed=unreachable)

    assert stored_files() == ["media/unsure.jpg"]
