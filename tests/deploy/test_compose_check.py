"""The documented compose deployment, built and used for real: scripts/compose-check (docs/deploy.md,
"What the check proves") passes. It starts Docker when none runs, builds the stand-in base images
(cached) and the app image, and ends with `down -v`. Its output goes to the test artifacts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("PHOTOCHANGER_TEST_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.mark.compose
@pytest.mark.timeout(2400)
def test_the_compose_stack_serves_booths_over_https_and_lan_http_and_keeps_results_across_a_restart():
    result = subprocess.run(
        [str(ROOT / "scripts/compose-check")], cwd=ROOT, capture_output=True, text=True, timeout=2300
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "compose-check.log").write_text(result.stdout + result.stderr)

    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert "compose check passed" in result.stdout
