from __future__ import annotations

import pytest


@pytest.fixture
def reader(api_client):
    return api_client("slots:read")


@pytest.fixture
def writer(api_client):
    return api_client("slots:read", "slots:create", "slots:write", "slots:delete")
