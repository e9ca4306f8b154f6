"""Images shipped with PhotoChanger, drawn for it with Pillow by ``render.py`` (no photograph,
no person, no third-party licence): the portrait every slot check sends, and a frame for the
quick start's ``overlay`` slot. Regenerate with ``.venv/bin/python -m ingest.samples.render``."""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
SAMPLE_PORTRAIT = SAMPLES_DIR / "portrait.jpg"
SAMPLE_FRAME = SAMPLES_DIR / "frame.png"
