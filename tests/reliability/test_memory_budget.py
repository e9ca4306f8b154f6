"""The memory budget in docs/operations.md ("Memory budget") holds for the worst photo the default limits admit.

Each operation runs in a fresh process (tests/support/memory_probe.py) that reports how far its
peak RSS grew, so nothing else in the test run counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# The documented budget: bytes per pixel of IMAGE_MAX_PIXELS, plus a little for buffers and code.
WEB_THREAD_BYTES_PER_PIXEL = 20
POOL_PROCESS_BYTES_PER_PIXEL = 22
SLACK_KIB = 48 * 1024


def _probe(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.memory_probe", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def worst_photos(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("worst")
    _probe("make", str(directory), str(settings.IMAGE_MAX_PIXELS))
    return directory


def _growth_kib(operation: str, photo: Path) -> int:
    return json.loads(_probe(operation, str(photo), str(settings.IMAGE_MAX_PIXELS)))["growth_kib"]


def test_the_default_pixel_limit_admits_a_50_megapixel_camera_and_no_64_megapixel_bomb():
    assert 8688 * 5792 <= settings.IMAGE_MAX_PIXELS < 8000 * 8000


@pytest.mark.parametrize(
    "photo", ["worst.png", "worst.jpg", "worst_progressive_cmyk.jpg", "worst.webp", "worst.heic", "worst.avif"]
)
def test_a_web_thread_checks_the_worst_admitted_photo_within_its_budget(worst_photos, photo):
    budget = WEB_THREAD_BYTES_PER_PIXEL * settings.IMAGE_MAX_PIXELS // 1024 + SLACK_KIB
    assert _growth_kib("check", worst_photos / photo) <= budget


@pytest.mark.parametrize(
    ("operation", "photo"), [("sepia", "worst.jpg"), ("overlay", "worst.jpg"), ("overlay", "worst.webp")]
)
def test_a_pool_process_runs_the_worst_local_operation_within_its_budget(worst_photos, operation, photo):
    budget = POOL_PROCESS_BYTES_PER_PIXEL * settings.IMAGE_MAX_PIXELS // 1024 + SLACK_KIB
    assert _growth_kib(operation, worst_photos / photo) <= budget


def test_a_pool_process_left_holding_the_worst_photos_memory_is_replaced_by_default():
    idle_kib = 110 * 1024
    worst_kib = POOL_PROCESS_BYTES_PER_PIXEL * settings.IMAGE_MAX_PIXELS // 1024
    assert idle_kib < settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD < idle_kib + worst_kib // 2
