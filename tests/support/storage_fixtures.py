"""Fixtures that run storage tests twice: on local disk and on S3 (a real S3 server over HTTP)."""

from __future__ import annotations

import pytest

from tests.support.s3 import S3Server
from tests.support.stack import ARTIFACTS  # noqa: E402


@pytest.fixture(scope="session")
def s3_server():
    ARTIFACTS.mkdir(exist_ok=True)
    server = S3Server().start(ARTIFACTS / "s3.log")
    yield server
    server.stop()


@pytest.fixture(params=["local", "s3"])
def storage_backend(request, settings):
    """Parametrises a test over both storage backends; yields the backend's name."""
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        settings.STORAGES = server.storages(settings.STORAGES)
        yield "s3"
        server.empty()
    else:
        yield "local"
