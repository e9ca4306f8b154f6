"""``core.ids.uuid_or_none``: ids from URLs, tokens and search boxes."""

from __future__ import annotations

import uuid

import pytest

from core.ids import uuid_or_none

ID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")


@pytest.mark.parametrize("value", [ID, str(ID), str(ID).upper(), ID.hex, f"{{{ID}}}", f"urn:uuid:{ID}"])
def test_any_spelling_of_a_uuid_is_that_uuid(value):
    assert uuid_or_none(value) == ID


@pytest.mark.parametrize("value", ["", "abc", "../etc", str(ID)[:-1], None, 42, ["x"]])
def test_anything_else_is_none_not_an_error(value):
    assert uuid_or_none(value) is None
