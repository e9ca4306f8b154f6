"""Whatever a booth sends, the message it gets back is in words: no Python object, class, bytes or
address reprs, whichever library refused the photo."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import SlotFactory
from tests.support import images

pytestmark = pytest.mark.django_db
REPRS = re.compile(
    r"object at 0x|<class |<module |\b0x[0-9a-fA-F]{6,}|\bb'|\bb\"|<_io\.|UploadedFile|Traceback|\bNone\b"
)
SOURCES = {
    "jpeg": images.jpeg(64, 48),
    "png": images.png(64, 48),
    "webp": images.encode(images.gradient(64, 48), "WEBP"),
    "heic": images.heic(64, 48),
    "avif": images.avif(64, 48),
}


@pytest.fixture
def slot():
    return SlotFactory()


@pytest.fixture(autouse=True)
def no_workers(monkeypatch):
    """A photo that survives the damage is accepted and answered 503 no_workers at once, whatever
    liveness key another test left in Redis (no job waits for a worker that is not there)."""
    monkeypatch.setattr("ingest.apis.workers_alive", lambda: False)


def _message(client, slot, photo: bytes, filename: str) -> str:
    upload = SimpleUploadedFile(filename, photo, content_type="image/heic")
    response = client.post(f"/ingest/{slot.id}", {"password": slot.secret, "fileToUpload": upload})
    # A photo that survived the damage is accepted: no worker runs here, so it gets no_workers.
    assert response.status_code < 500 or response.json()["error"]["code"] == "no_workers", response.content
    return response.json()["error"]["message"] if response.status_code >= 400 else ""


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    source=st.sampled_from(sorted(SOURCES)),
    cut=st.floats(min_value=0.0, max_value=1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 255)), max_size=6),
)
def test_a_damaged_photo_of_any_format_is_refused_in_words(client, slot, source, cut, flips):
    data = bytearray(SOURCES[source][: max(1, int(len(SOURCES[source]) * cut))])
    for where, mask in flips:
        data[min(int(where * len(data)), len(data) - 1)] ^= mask

    message = _message(client, slot, bytes(data), f"IMG_0001.{source.upper()}")

    assert not REPRS.search(message), message


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"anything", "multipart/form-data"),
        (b"anything", "multipart/form-data; boundary="),
        (b"anything", "multipart/form-data; boundary=\x00\x01"),
    ],
)
def test_a_malformed_multipart_body_is_refused_in_words(client, slot, body, content_type):
    response = client.post(f"/ingest/{slot.id}", body, content_type=content_type)

    assert response.status_code == 400
    assert not REPRS.search(response.json()["error"]["message"]), response.json()
