"""The steps of ``scripts/compose-check``: the documented compose deployment (docs/deploy.md), built
and used end to end on this machine. Run by that script (which starts Docker and builds the
stand-in base images first), never imported by the suite.

    python -m tests.deploy.compose_check

Steps: an env file from .env.example; build the app image; ``up`` with three workers; every service
healthy; migrate ran once; ``check --deploy`` clean in the image; a slot from ``slot_create``; a
booth photo in DSLR Remote Pro's wire format through Caddy over HTTPS (Caddy's internal CA) and its
processed image; jobs spread over more than one worker; the admin login over HTTPS with HSTS and
secure cookies; ``down`` and ``up`` again and the earlier result downloaded again (volumes keep
data); the plain-HTTP LAN mode (TLS_MODE=off): a booth photo and the admin login over HTTP; then
``down -v``, also when a step failed."""

from __future__ import annotations

import io
import json
import os
import secrets
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from tests.deploy.client import Site, path_of
from tests.deploy.stack import LONG_RUNNING, SITE_HOST, Stack, env_file_text, free_port, free_proxy_network, log

WORKERS = 3
EXPECTED = {name: (WORKERS if name == "worker" else 1) for name in LONG_RUNNING}
ADMIN = "compose-check-admin"


def photo(seed: int) -> bytes:
    """A blue-grey JPEG, different bytes per seed (the same bytes would be answered by one job)."""
    image = Image.new("RGB", (640, 480), (60, 90, 160 + seed % 60))
    image.putpixel((seed % 640, 0), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def is_sepia(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    red, green, blue = image.getpixel((320, 240))
    return red > green > blue  # the blue input came back warm


def settings_for(mode: str, ports: dict[str, int], network: str, passwords: dict[str, str]) -> dict[str, str]:
    scheme, port = ("http", ports["HTTP_PORT"]) if mode == "off" else ("https", ports["HTTPS_PORT"])
    return {
        "SITE_HOST": SITE_HOST,
        "TLS_MODE": mode,
        "DJANGO_ALLOWED_HOSTS": SITE_HOST,
        "PUBLIC_BASE_URL": f"{scheme}://{SITE_HOST}:{port}",
        "HTTP_PORT": str(ports["HTTP_PORT"]),
        "HTTPS_PORT": str(ports["HTTPS_PORT"]),
        "PROXY_NETWORK": network,
        "POSTGRES_PASSWORD": passwords["postgres"],
        "DATABASE_URL": f"postgres://photochanger:{passwords['postgres']}@pgbouncer:6432/photochanger",
        "DATABASE_TRANSACTION_POOLING": "true",
        "REDIS_PASSWORD": passwords["redis"],
        "REDIS_URL": f"redis://:{passwords['redis']}@redis:6379/0",
        # Small processes: this machine runs the rest of the suite at the same time.
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "16",
        "CELERY_WORKER_CONCURRENCY": "1",
        **{
            name: os.environ[name]
            for name in ("PYTHON_IMAGE", "POSTGRES_IMAGE", "REDIS_IMAGE", "CADDY_IMAGE", "DEBIAN_IMAGE")
            if name in os.environ
        },
        "PHOTOCHANGER_IMAGE": os.environ.get("PHOTOCHANGER_IMAGE", "photochanger:compose-check"),
    }


def check_up(stack: Stack) -> None:
    stack.run("up", "-d", "--scale", f"worker={WORKERS}")
    services = stack.wait_healthy(EXPECTED)
    log(f"healthy: {', '.join(f'{name} x{len(services[name])}' for name in EXPECTED)}")
    migrations = stack.by_service(include_stopped=True)["migrate"]
    assert len(migrations) == 1, f"{len(migrations)} migrate containers"
    state = migrations[0]["State"]
    assert (state["Status"], state["ExitCode"], migrations[0]["RestartCount"]) == ("exited", 0, 0), state
    log("migrate ran once and exited 0; exactly one beat")


def check_booth(site: Site, slot: dict, seeds: range) -> list[tuple[str, bytes]]:
    """Photos posted at once; each answered 200 with its processed image. Returns (job id, image)."""
    with ThreadPoolExecutor(len(seeds)) as pool:
        answers = list(
            pool.map(
                lambda s: site.booth_post(path_of(slot["ingest_url"]), photo=photo(s), password=slot["password"]), seeds
            )
        )
    results = []
    for answer in answers:
        assert answer.status == 200, (answer.status, answer.body[:300])
        assert answer.headers["content-type"] == "image/jpeg" and is_sepia(answer.body)
        results.append((answer.headers["x-job-id"], answer.body))
    log(f"{len(seeds)} booth photo(s) over {site.scheme}: 200, sepia, {max(a.elapsed for a in answers):.1f} s max")
    return results


def check_admin(site: Site, password: str, *, secure: bool) -> None:
    answer = site.admin_login(ADMIN, password)
    assert answer.status == 302 and answer.headers["location"] == "/admin/", (answer.status, answer.body[:300])
    page = site.request("GET", "/admin/")
    assert page.status == 200 and b"logout" in page.body.lower(), page.status
    cookies = answer.extra["set_cookie"] + answer.extra["login_page"].extra["set_cookie"]
    assert {c.split("=", 1)[0] for c in cookies} >= {"csrftoken", "sessionid"}, cookies
    hsts = answer.extra["login_page"].headers.get("strict-transport-security")
    if secure:
        assert all("; secure" in c.lower() for c in cookies), cookies
        assert hsts and "max-age=31536000" in hsts, hsts
    else:
        assert not any("; secure" in c.lower() for c in cookies), cookies
        assert hsts is None, hsts
    log(f"admin login over {site.scheme}: HSTS {'on' if hsts else 'off'}, cookies {'Secure' if secure else 'plain'}")


def check_workers(stack: Stack, site: Site, slot: dict) -> None:
    """A few jobs at once land on more than one of the three workers (their log lines name the job)."""
    seen: set[str] = set()
    for batch in range(3):
        jobs = check_booth(site, slot, range(100 + 10 * batch, 106 + 10 * batch))
        for job_id, _ in jobs:
            seen |= stack.service_of_log_lines("worker", job_id)
        if len(seen) > 1:
            break
    assert len(seen) > 1, f"every job ran on {seen}"
    log(f"jobs ran on {len(seen)} workers: {sorted(seen)}")


def run(stack: Stack, write_env, passwords: dict[str, str], ports: dict[str, int]) -> None:
    write_env("internal")
    stack.run("config", "-q")
    started = time.monotonic()
    stack.run("build", "migrate", timeout=1800)
    log(f"app image built in {time.monotonic() - started:.0f} s")
    check_up(stack)
    out = stack.exec("web", "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    log(f"check --deploy in the image: {out.strip()}")
    slot = json.loads(
        stack.exec("web", "python", "manage.py", "slot_create", "--name", "Compose check", "--operation", "sepia")
    )
    assert slot["ingest_url"].startswith(f"https://{SITE_HOST}:{ports['HTTPS_PORT']}/ingest/"), slot
    stack.exec(
        "web",
        "python",
        "manage.py",
        "createsuperuser",
        "--noinput",
        "--username",
        ADMIN,
        "--email",
        "check@example.com",
        env={"DJANGO_SUPERUSER_PASSWORD": passwords["admin"]},
    )
    ca = Path(stack.env_file).with_name("caddy-root.crt")
    ca.write_text(stack.exec("caddy", "cat", "/data/caddy/pki/authorities/local/root.crt"))
    https = Site("https", SITE_HOST, ports["HTTPS_PORT"], str(ca))
    [(job_id, first)] = check_booth(https, slot, range(1))
    check_workers(stack, https, slot)
    check_admin(https, passwords["admin"], secure=True)

    stack.run("down", timeout=300)
    log("down (volumes kept), up again")
    check_up(stack)
    https = Site("https", SITE_HOST, ports["HTTPS_PORT"], str(ca))  # the same CA: caddy_data was kept
    token = https.api_token(ADMIN, passwords["admin"])
    again = https.request("GET", f"/api/jobs/{job_id}/result", headers={"Authorization": f"Bearer {token}"})
    assert again.status == 200 and again.body == first, (again.status, again.body[:200])
    log(f"the result of job {job_id} downloaded again after the restart: the same {len(first)} bytes")

    write_env("off")
    log("LAN mode: TLS_MODE=off")
    check_up(stack)
    http = Site("http", SITE_HOST, ports["HTTP_PORT"])
    check_booth(http, slot, range(50, 51))
    check_admin(http, passwords["admin"], secure=False)


def main() -> int:
    started = time.monotonic()
    project = f"pccheck{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="photochanger-compose-check-"))
    env_file = workdir / "compose.env"
    ports = {"HTTP_PORT": free_port(), "HTTPS_PORT": free_port()}
    network = free_proxy_network()
    passwords = {name: secrets.token_urlsafe(24) for name in ("postgres", "redis", "admin")}
    generated: dict[str, str] = {}

    def write_env(mode: str) -> None:
        env_file.write_text(env_file_text(settings_for(mode, ports, network, passwords), generated))

    write_env("internal")
    stack = Stack(project, env_file)
    log(f"project {project}, https://{SITE_HOST}:{ports['HTTPS_PORT']}, http port {ports['HTTP_PORT']}")
    try:
        run(stack, write_env, passwords, ports)
    except BaseException:
        print(stack.run("ps", check=False).stdout, file=sys.stderr)
        print(stack.run("logs", "--no-color", "--tail", "60", check=False).stdout[-20000:], file=sys.stderr)
        raise
    finally:
        stack.run("down", "-v", "--remove-orphans", "-t", "20", check=False, timeout=300)
        leftover = stack.containers(include_stopped=True)
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
        log(f"down -v: {len(leftover)} containers left")
    log(f"compose check passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
