"""Exception text fit for a client: what a library says in words, never a Python repr.

A library's exception text is written for programmers: Pillow names the file object it was given
("cannot identify image file <_io.BytesIO object at 0x7f…>"), Python's own errors quote types and
values ("unsupported operand type(s) for +: 'int' and 'NoneType'", a KeyError's key), Django's
multipart parser the boundary's bytes (b'…'). Every message built from an exception that a booth,
an API client or the admin site may read goes through ``exception_plain_text``.
"""

from __future__ import annotations

import re
import struct

# Object, class, module and function reprs; memory addresses; bytes literals; bare None.
_REPRS = re.compile(
    r"<[^<>]*(?:\bobject at 0x[0-9a-fA-F]+|\bclass '[^']*'|\bmodule '[^']*'|\bfunction [^<>]*|Uploaded ?File[^<>]*)>"
    r"|<\w+(?:\.\w+)+[^<>]*>"
    r"|\b0x[0-9a-fA-F]{6,}\b"
    r"|\bb'(?:[^'\\]|\\.)*'"
    r'|\bb"(?:[^"\\]|\\.)*"'
    r"|\bNone\b"
)
# Errors whose text is Python's own wording about its types and values, not about the data: a
# phrase says what went wrong instead.
_PHRASES: tuple[tuple[type[BaseException], str], ...] = (
    (struct.error, "the data ends early or is malformed"),
    (EOFError, "the data ends early"),
    (LookupError, "the data refers to parts that are not there"),
    (ArithmeticError, "the data holds an impossible number"),
    (MemoryError, "it needs more memory than is allowed"),
    (TypeError, "the data is malformed"),
)
MAX_LENGTH = 300


def exception_plain_text(exc: BaseException, *, default: str = "the data is malformed") -> str:
    """The exception's message with every repr taken out, or a plain phrase for errors whose
    text is about Python rather than the data (``default`` when nothing readable is left)."""
    for kind, phrase in _PHRASES:
        if isinstance(exc, kind):
            return phrase
    return text_plain(str(exc), default=default)


def text_plain(text: str, *, default: str = "the data is malformed", max_length: int = MAX_LENGTH) -> str:
    """``text`` without Python reprs, addresses or bytes literals, on one line, bounded."""
    cleaned = _REPRS.sub("", text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" :;,-")
    cleaned = re.sub(r"\s+([:;,.)])", r"\1", cleaned).replace("()", "").strip(" :;,-")
    if not re.search(r"[A-Za-z]{3}", cleaned):
        return default
    return cleaned[:max_length]
