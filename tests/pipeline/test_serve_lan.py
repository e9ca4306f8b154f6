"""``scripts/serve --lan``'s settings on a real gunicorn: bound to every interface, reached on
127.0.0.2 (a loopback address that is not 127.0.0.1, standing in for the venue network), and
``booth_connect`` printing the URL and password a booth then uses."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
import requests

from slots.lan import lan_address
from slots.services import slot_secret_matches
from tests.support import images
from tests.support.booth import booth_post
from tests.support.stack import ARTIFACTS, BIN, ROOT, free_port, stop_process, wait_for, web_answers

pytestmark = [pytest.mark.pipeline, pytest.mark.django_db(transaction=True)]


def lan_exports(port: int, env: dict[str, str]) -> dict[str, str]:
    output = subprocess.run(
        [sys.executable, "-m", "slots.lan", "--port", str(port)],
        env={**env, "LAN_ADDRESS": "127.0.0.2"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in output.splitlines())


@pytest.fixture
def lan_web(live_stack, stack_env):
    """gunicorn started the way scripts/serve --lan starts it (its bind comes from GUNICORN_BIND);
    the live stack's worker processes its jobs."""
    port = free_port()
    env = {**stack_env, **lan_exports(port, stack_env)}
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "photochanger.wsgi:application", "-c", "gunicorn.conf.py", "-w", "1"],
        env=env,
        cwd=ROOT,
        stdout=(ARTIFACTS / "lan-web.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: web_answers(f"http://127.0.0.2:{port}/healthz"), "gunicorn on all interfaces")
        yield port, env
    finally:
        stop_process(process)


def test_a_booth_reaches_the_lan_url_with_the_password_booth_connect_prints(lan_web, booth_slot):
    port, env = lan_web
    slot = booth_slot(name="Venue sepia")
    assert env["PUBLIC_BASE_URL"] == f"http://127.0.0.2:{port}"
    assert env["GUNICORN_BIND"] == f"0.0.0.0:{port}"

    printed = subprocess.run(
        [sys.executable, "manage.py", "booth_connect", "--slot", str(slot.id), "--new-password"],
        env={**env, "DJANGO_SETTINGS_MODULE": "photochanger.settings.test"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    url = re.search(r"URL:\s+(\S+)", printed).group(1)
    password = re.search(r"Password:\s+(\S+)", printed).group(1)
    assert url == f"http://127.0.0.2:{port}/ingest/{slot.id}"
    slot.refresh_from_db()
    assert slot_secret_matches(slot=slot, secret=password)
    assert "█" in printed  # the QR code of the URL, for a tablet booth
    assert "127.0.0.1" not in printed

    answer = booth_post(url, photo=images.jpeg(640, 480), password=password)

    assert answer.status == 200, answer.body[:300]
    assert images.decode(answer.body).size == (640, 480)


def test_it_listens_on_the_machines_own_network_address_too(lan_web):
    port, _ = lan_web

    # /healthz answers before host validation: the request arriving at all shows the bind.
    response = requests.get(f"http://{lan_address()}:{port}/healthz", timeout=5)

    assert response.status_code == 200


def test_an_address_it_was_not_told_about_is_refused_as_a_host(lan_web):
    port, _ = lan_web

    response = requests.get(f"http://{lan_address()}:{port}/admin/login/", timeout=5)

    assert response.status_code == 400
