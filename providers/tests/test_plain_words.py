"""Exception text a client reads: a library's words, never a Python repr."""

from __future__ import annotations

import struct

import pytest

from providers.plain_words import exception_plain_text, text_plain


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (OSError("cannot identify image file <_io.BytesIO object at 0x7f3a2b1c0d90>"), "cannot identify image file"),
        (
            OSError("cannot identify image file <TemporaryUploadedFile: IMG_0001.HEIC (image/heic)>"),
            "cannot identify image file",
        ),
        (ValueError("Invalid boundary in multipart: None"), "Invalid boundary in multipart"),
        (ValueError("Invalid boundary in multipart: b'--x\\x00'"), "Invalid boundary in multipart"),
        (OSError("image file is truncated (5 bytes not processed)"), "image file is truncated (5 bytes not processed)"),
        (KeyError(274), "the data refers to parts that are not there"),
        (TypeError("unsupported operand type(s) for +: 'int' and 'NoneType'"), "the data is malformed"),
        (struct.error("unpack requires a buffer of 4 bytes"), "the data ends early or is malformed"),
        (ZeroDivisionError("division by zero"), "the data holds an impossible number"),
        (ValueError("<PIL.Image.Image image mode=RGB size=1x1 at 0x7F00DEADBEEF>"), "the data is malformed"),
    ],
)
def test_exception_text_keeps_the_words_and_drops_the_reprs(exc, expected):
    assert exception_plain_text(exc) == expected


def test_text_is_one_line_and_bounded():
    assert text_plain("a\n\n b  c " + "x" * 1000, max_length=20) == "a b c " + "x" * 14
