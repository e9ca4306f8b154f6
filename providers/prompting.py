"""Prompt templates with booth-field placeholders: ``"Paint {name} as a pirate"``.

A slot's prompt may name any of the booth's multipart text fields in braces. The syntax is a strict
subset of ``str.format``: only a bare identifier may appear between braces, and ``{{`` / ``}}`` are
literal braces. Positional (``{}``, ``{0}``), attribute (``{a.b}``), index (``{a[0]}``), conversion
(``{a!r}``) and format-spec (``{a:>10}``) forms are rejected when the slot is saved, because they
either cannot be filled from a flat field mapping or would let a prompt reach into Python objects.

Which names are allowed is deliberately open: any identifier matching
``[A-Za-z_][A-Za-z0-9_]{0,63}``. Booth software sends free-form fields (DSLR Remote Pro forwards
whatever survey questions the operator configured), so the server cannot know the list in advance;
"unknown placeholder" therefore means a *malformed* one, never an unexpected name. A field the booth
did not send renders as an empty string, so a missing survey answer never fails a job.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from typing import Any

PLACEHOLDER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
# One rendered field value is capped so a runaway form field cannot blow up the prompt size.
MAX_FIELD_CHARS = 500

_FORMATTER = string.Formatter()


class PromptTemplateError(ValueError):
    """The template is malformed; the message is meant for the person editing the slot."""


def _segments(template: str) -> list[tuple[str, str | None]]:
    """Split into ``(literal, placeholder-or-None)`` pairs, or raise ``PromptTemplateError``."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise PromptTemplateError(f"Unbalanced braces ({exc}). Write {{{{ and }}}} for literal braces.") from None
    segments: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            segments.append((literal, None))
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if conversion or spec:
            raise PromptTemplateError(f"Placeholder {shown} may not use a conversion or format spec; write {{{name}}}.")
        if not PLACEHOLDER_NAME.match(name):
            raise PromptTemplateError(
                f"Placeholder {shown} is not a field name: use letters, digits and underscores "
                "(starting with a letter or underscore, at most 64 characters), e.g. {name}."
            )
        segments.append((literal, name))
    return segments


def placeholders(template: str) -> list[str]:
    """Field names the template uses, in first-use order; raises ``PromptTemplateError``."""
    names: list[str] = []
    for _, name in _segments(template):
        if name is not None and name not in names:
            names.append(name)
    return names


def template_errors(template: str) -> list[str]:
    """Messages describing why the template is malformed (empty when it is fine)."""
    try:
        _segments(template)
    except PromptTemplateError as exc:
        return [str(exc)]
    return []


def render(template: str, fields: Mapping[str, Any]) -> str:
    """Fill placeholders from ``fields``; a missing field becomes ``""``.

    Rendering walks the parsed segments instead of calling ``str.format`` so that nothing but a
    plain lookup in ``fields`` can ever happen, whatever the template or the field values contain
    (a value containing braces is inserted verbatim, never re-parsed).
    """
    out: list[str] = []
    for literal, name in _segments(template):
        out.append(literal)
        if name is not None:
            value = fields.get(name)
            out.append("" if value is None else str(value)[:MAX_FIELD_CHARS])
    return "".join(out)


def prompt_validator(field: str = "prompt") -> Callable[[Mapping[str, Any]], dict[str, list[str]]]:
    """An ``Operation`` validator reporting a malformed template on ``field``."""

    def validate(cleaned: Mapping[str, Any]) -> dict[str, list[str]]:
        value = cleaned.get(field)
        if not isinstance(value, str):
            return {}
        errors = template_errors(value)
        return {field: errors} if errors else {}

    return validate
