"""``python -m photochanger.probe``: the container health checks."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photochanger.probe import main, probe_file_age

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_beat_schedule_is_healthy_and_a_stale_one_is_not(tmp_path):
    schedule = tmp_path / "celerybeat-schedule.dat"
    schedule.write_bytes(b"x")
    assert probe_file_age(str(tmp_path / "celerybeat-schedule*"), 60)[0]

    old = time.time() - 600
    os.utime(schedule, (old, old))
    ok, why = probe_file_age(str(tmp_path / "celerybeat-schedule*"), 60)
    assert not ok and "600 s old" in why


def test_a_missing_beat_schedule_is_unhealthy(tmp_path):
    assert main(["file-age", str(tmp_path / "nothing*")]) == 1


def test_the_default_age_limit_follows_the_cleanup_period(monkeypatch):
    from photochanger.probe import default_max_age

    monkeypatch.setenv("CLEANUP_PERIOD_SECONDS", "60")
    assert default_max_age() == 240


def test_http_probe_exit_status_is_the_health_of_the_url():
    assert main(["http", "http://127.0.0.1:9/healthz", "0.5"]) == 1
    assert main(["http", "file:///etc/passwd"]) == 1
    assert main([]) == 2


@pytest.mark.pipeline
def test_http_probe_passes_against_the_live_web_process(live_stack):
    result = subprocess.run(
        [sys.executable, "-m", "photochanger.probe", "http", f"{live_stack.base_url}/healthz"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _newest_mtime(pattern: str) -> float:
    mtimes = [0.0]
    for path in glob.glob(pattern):
        try:
            mtimes.append(os.path.getmtime(path))
        except OSError:  # dbm rewrites its files by renaming
            continue
    return max(mtimes)


@pytest.mark.pipeline
def test_beat_keeps_its_schedule_file_fresh(celery_beat):
    """The beat health check's premise: beat rewrites its schedule after each task it sends (every
    second here), so the newest schedule file never gets old while beat works."""
    schedule = celery_beat.args[celery_beat.args.index("-s") + 1] + "*"
    seen = []
    deadline = time.monotonic() + 20
    while len(set(seen)) < 3 and time.monotonic() < deadline:
        seen.append(_newest_mtime(schedule))
        time.sleep(0.5)

    assert len({mtime for mtime in seen if mtime}) >= 2, "the file is rewritten, not just written once"
    assert probe_file_age(schedule, 10)[0]


@pytest.mark.pipeline
def test_consuming_probe_passes_for_a_worker_on_the_job_queue_and_fails_for_one_that_is_not_there(
    live_stack, stack_env
):
    def probe(name: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "photochanger.probe", "consuming", name],
            cwd=ROOT,
            env=stack_env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    present = probe(live_stack.worker_name)
    absent = probe("worker@nowhere")

    assert present.returncode == 0, present.stdout + present.stderr
    assert f"{live_stack.worker_name} consumes" in present.stdout
    assert absent.returncode == 1
    assert "worker@nowhere did not answer" in absent.stdout
