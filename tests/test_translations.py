"""The Russian catalogue is complete: every string the code marks for translation is in
``locale/ru/LC_MESSAGES/django.po``, translated, none fuzzy, none left over from removed code.

``makemessages`` is run as docs/howto.md says, on a copy of the code, with the committed catalogue
beside it: it merges (msgmerge) what the code marks today into that catalogue. A string marked but
missing comes out untranslated (or fuzzy, guessed from a similar one); a string no longer marked
drops out (``--no-obsolete``). GNU gettext's ``msgfmt --statistics`` counts both."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = Path("locale/ru/LC_MESSAGES/django.po")
# What makemessages leaves out: the venv, tests, tooling and deployment files (not shown to users).
NOT_SCANNED = [".venv", ".git", "tests", "*/tests", "bench", "deploy", "var", "docs", "scripts"]


def _statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def _msgids(po: Path) -> set[str]:
    return set(re.findall(r'^msgid "(.+)"$', po.read_text(encoding="utf-8"), flags=re.MULTILINE))


@pytest.fixture
def merged_catalogue(tmp_path, settings, monkeypatch) -> Path:
    """The committed catalogue after ``makemessages`` over a copy of today's code."""
    copy = tmp_path / "code"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_SCANNED, "*.mo", "__pycache__"), symlinks=True)
    (copy / CATALOGUE).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / CATALOGUE, copy / CATALOGUE)
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["ru"], ignore_patterns=NOT_SCANNED, no_obsolete=True, verbosity=0)
    return copy / CATALOGUE


def test_the_committed_catalogue_is_fully_translated():
    statistics = _statistics(ROOT / CATALOGUE)

    assert re.fullmatch(r"\d+ translated messages\.", statistics), statistics
    assert "#, fuzzy" not in (ROOT / CATALOGUE).read_text(encoding="utf-8").partition('msgstr ""')[2]


def test_every_string_the_code_marks_is_translated_and_none_is_left_over(merged_catalogue):
    statistics = _statistics(merged_catalogue)
    marked_now, committed = _msgids(merged_catalogue), _msgids(ROOT / CATALOGUE)

    assert re.fullmatch(r"\d+ translated messages\.", statistics), (
        f"{statistics}; run makemessages (docs/howto.md) and translate: {sorted(marked_now - committed)}"
    )
    assert committed == marked_now, f"no longer marked in the code: {sorted(committed - marked_now)}"
