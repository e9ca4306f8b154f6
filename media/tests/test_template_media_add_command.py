"""``manage.py template_media_add FILE`` prints the new template's id alone (for the shell)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from ingest.samples import SAMPLE_FRAME
from media.models import TemplateMedia

pytestmark = pytest.mark.django_db


def test_it_stores_the_frame_and_prints_only_its_id():
    out, err = io.StringIO(), io.StringIO()

    call_command("template_media_add", str(SAMPLE_FRAME), "--name", "Gold frame", stdout=out, stderr=err)

    template = TemplateMedia.objects.get()
    assert out.getvalue().strip() == str(template.id)
    assert (template.name, template.width, template.height) == ("Gold frame", 1200, 1600)
    assert "Gold frame" in err.getvalue()


def test_a_missing_or_unusable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("template_media_add", str(tmp_path / "nope.png"))
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(CommandError, match="notes.png: "):
        call_command("template_media_add", str(text))
    assert not TemplateMedia.objects.exists()
