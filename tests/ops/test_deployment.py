"""The deployment files: compose validates, every service is health-checked, only Caddy is published,
the image runs as a non-root user from a pinned (overridable) base, every setting is in .env.example,
each way of running has its own env file, and the process settings fit requests that block up to
T_SYNC_RESPONSE. tests/deploy runs the whole deployment for real."""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ONE_SHOT = {"migrate", "minio-bucket"}


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.mark.parametrize("profiles", [[], ["s3", "monitoring"]], ids=["default", "all-profiles"])
def test_docker_compose_config_validates(profiles):
    command = _compose_command()
    if command is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed (scripts/lib.sh ensure_compose)")
    flags = [arg for profile in profiles for arg in ("--profile", profile)]
    result = subprocess.run(
        [*command, "--env-file", ".env.example", "-f", str(COMPOSE), *flags, "config", "-q"],
        cwd=ROOT,
        env={**os.environ, "PHOTOCHANGER_ENV_FILE": ".env.example"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_has_the_fleet_services_with_health_checks(compose):
    services = compose["services"]
    assert {"caddy", "web", "worker", "beat", "pgbouncer", "postgres", "redis", "migrate"} <= set(services)
    for name, service in services.items():
        if name in ONE_SHOT:
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert services["minio"]["profiles"] == ["s3"]
    assert services["flower"]["profiles"] == ["monitoring"]


def test_migrations_run_once_before_web_worker_and_beat(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_fleet_reaches_postgresql_through_pgbouncer_in_transaction_mode(compose):
    services = compose["services"]
    for name in ("migrate", "web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["pgbouncer"] == {"condition": "service_healthy"} and "postgres" not in depends, name
    assert services["pgbouncer"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["pgbouncer"]["build"]["context"] == "deploy/pgbouncer"
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"(?m)^DATABASE_URL=postgres://[^@]+@pgbouncer:6432/", example)
    assert re.search(r"(?m)^DATABASE_TRANSACTION_POOLING=true$", example)
    entrypoint = (ROOT / "deploy/pgbouncer/entrypoint.sh").read_text()
    assert "pool_mode = transaction" in entrypoint
    assert "apt-get install" in (ROOT / "deploy/pgbouncer/Dockerfile").read_text(), "Debian's package"


def test_worker_uses_prefork_and_there_is_exactly_one_beat(compose):
    services = compose["services"]
    worker = services["worker"]["command"]
    assert worker[worker.index("-P") + 1] == "prefork"
    assert services["beat"]["deploy"]["replicas"] == 1


def test_data_lives_in_volumes_and_configuration_in_the_env_file(compose):
    assert {"postgres", "redis", "media", "beat", "minio"} <= set(compose["volumes"])
    for name in ("migrate", "web", "worker", "beat", "flower"):
        assert compose["services"][name]["env_file"] == "${PHOTOCHANGER_ENV_FILE:-.env}"


def test_the_image_is_pinned_non_root_and_installs_the_pinned_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert set(re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)) == {"${PYTHON_IMAGE}"}, "every stage: the pinned base"
    [base] = re.findall(r"^ARG PYTHON_IMAGE=(\S+)", dockerfile, re.M)
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base), base
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    pins = [line for line in requirements if line.strip() and not line.startswith(("#", "-r"))]
    assert all("==" in line for line in pins), "every runtime dependency is pinned"
    assert {"gunicorn", "flower", "prometheus-client"} <= {re.split(r"[\[=]", p)[0] for p in pins}


def test_the_image_compiles_the_translations_in_a_stage_of_their_own():
    dockerfile = (ROOT / "Dockerfile").read_text()
    messages, application = re.split(r"^FROM .*$", dockerfile, flags=re.M)[1:]

    assert "apt-get install -y --no-install-recommends gettext" in messages
    assert "python -m django compilemessages" in messages
    assert "COPY --from=messages /app/locale ./locale" in application
    assert "gettext" not in application, "msgfmt is a build tool, not part of the application image"


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".env", ".git", ".venv", "test-artifacts"} <= set(ignored)


def _variables(path: Path, pattern: str) -> set[str]:
    return set(re.findall(pattern, path.read_text()))


def _settings_read() -> set[str]:
    read = set().union(
        *(
            _variables(path, r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"')
            for path in (ROOT / "photochanger/settings").glob("*.py")
        )
    )
    read |= _variables(ROOT / "gunicorn.conf.py", r'environ\.get\(\s*"([A-Z][A-Z0-9_]*)"')
    assert len(read) > 30
    return read


def test_every_setting_is_documented_in_the_env_example():
    documented = _variables(ROOT / ".env.example", r"(?m)^(?:# )?([A-Z][A-Z0-9_]*)=")
    missing = sorted(_settings_read() - documented)
    assert missing == [], f"add these to .env.example (with a comment): {missing}"


def test_every_setting_has_a_row_in_the_configuration_reference():
    rows = [line for line in (ROOT / "docs/configuration.md").read_text().splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split(" | ")[0])}
    missing = sorted(_settings_read() - documented)
    assert missing == [], f"add a row for these to docs/configuration.md: {missing}"


def _gunicorn_conf(monkeypatch, tmp_path, **env) -> dict:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_holds_blocking_booth_requests_longer_than_the_deadline(monkeypatch, tmp_path):
    conf = _gunicorn_conf(monkeypatch, tmp_path, T_SYNC_RESPONSE="50", GUNICORN_THREADS="64", WEB_CONCURRENCY="2")

    assert conf["worker_class"] == "gthread"
    assert conf["threads"] * conf["workers"] == 128
    assert conf["timeout"] > 50 + 1 and conf["graceful_timeout"] > 50 + 1
    assert conf["logconfig_dict"]["formatters"]["json"]["()"] == "core.logging.JsonFormatter"


def test_gunicorn_starts_with_an_empty_metrics_directory(monkeypatch, tmp_path):
    conf = _gunicorn_conf(monkeypatch, tmp_path)
    (tmp_path / "counter_123.db").write_bytes(b"old")

    conf["on_starting"](None)

    assert list(tmp_path.iterdir()) == []


def test_celery_settings_fit_long_provider_calls():
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_ACKS_LATE is False
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT > settings.T_SYNC_RESPONSE
    assert settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT
    # A message a worker holds (prefetched) is redelivered after the visibility timeout: it must be
    # far longer than any task may run, or a job would run twice.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > 2 * settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_BEAT_SYNC_EVERY == 1


def test_the_base_images_are_pinned_and_overridable_only_for_stand_ins(compose):
    services = compose["services"]
    images = {name: services[name]["image"] for name in ("postgres", "redis", "caddy")}
    assert images == {
        "postgres": "${POSTGRES_IMAGE:-postgres:16.9-bookworm}",
        "redis": "${REDIS_IMAGE:-redis:7.4.4-bookworm}",
        "caddy": "${CADDY_IMAGE:-caddy:2.10.0}",
    }
    assert services["web"]["build"]["args"] == {"PYTHON_IMAGE": "${PYTHON_IMAGE:-python:3.11.13-slim-bookworm}"}


def test_only_caddy_is_published_and_web_believes_forwarded_headers_from_caddy_alone(compose):
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports") and not service.get("profiles")}
    assert published == {"caddy"}
    assert services["caddy"]["ports"] == ["${HTTP_PORT:-80}:80", "${HTTPS_PORT:-443}:443"]
    caddy_address = services["caddy"]["networks"]["proxy"]["ipv4_address"]
    assert services["web"]["environment"]["TRUSTED_PROXY_CIDRS"] == f"{caddy_address}/32"
    assert compose["networks"]["proxy"]["ipam"]["config"] == [{"subnet": "${PROXY_NETWORK:-172.31.250}.0/24"}]
    assert services["caddy"]["environment"]["TLS_MODE"] == "${TLS_MODE:-auto}"


def test_caddy_has_a_site_file_for_every_tls_mode_the_app_accepts():
    from photochanger.settings.production import TLS_MODES

    sites = {path.name for path in (ROOT / "deploy/caddy").glob("site-*.caddy")}
    assert sites == {f"site-{mode}.caddy" for mode in TLS_MODES}
    assert "import site-{$TLS_MODE:auto}.caddy" in (ROOT / "deploy/caddy/Caddyfile").read_text()


def test_a_worker_is_healthy_when_it_consumes_the_job_queue_and_beat_runs_once(compose):
    services = compose["services"]
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "python", "-m", "photochanger.probe", "consuming"]
    assert "worker@%h" in services["worker"]["command"]
    assert services["beat"]["deploy"]["replicas"] == 1 and "container_name" not in services["worker"]


def test_compose_and_the_local_run_have_an_env_file_each():
    assert (ROOT / ".env.example").read_text().startswith("# PhotoChanger configuration for docker-compose.yml")
    serve = (ROOT / "scripts/serve").read_text()
    assert "> .env.local" in serve and "> .env\n" not in serve
    from photochanger.settings.environment import LOCAL_ENV_FILE

    assert LOCAL_ENV_FILE == ".env.local"
    assert 'with_name(".env.local")' in (ROOT / "gunicorn.conf.py").read_text()
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert {".env", ".env.local"} <= set(ignored)


def test_minio_and_flower_need_credentials_of_their_own(compose):
    services = compose["services"]
    for name in ("minio", "minio-bucket"):
        environment = services[name]["environment"]
        assert environment["MINIO_ROOT_USER"].startswith("${MINIO_ROOT_USER:?")
        assert environment["MINIO_ROOT_PASSWORD"].startswith("${MINIO_ROOT_PASSWORD:?")
    # The app's key is a separate MinIO user limited to the bucket.
    assert "mc admin user add" in services["minio-bucket"]["entrypoint"][-1]
    assert services["flower"]["environment"]["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH:?")


def test_the_image_keeps_its_code_owned_by_root_and_read_only():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY --chown" not in dockerfile
    assert "chmod -R a-w" in dockerfile
    assert dockerfile.index("chmod -R a-w") < dockerfile.index("USER app")


def test_gunicorn_reads_the_same_env_file_as_the_app_and_has_no_shared_control_socket(monkeypatch, tmp_path):
    (tmp_path / "gunicorn.conf.py").write_text((ROOT / "gunicorn.conf.py").read_text())
    (tmp_path / ".env.local").write_text("GUNICORN_BIND=127.0.0.1:8765\nTRUSTED_PROXY_CIDRS=10.0.0.0/8\n")
    for name in ("GUNICORN_BIND", "TRUSTED_PROXY_CIDRS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    try:
        conf = runpy.run_path(str(tmp_path / "gunicorn.conf.py"))
    finally:
        for name in ("GUNICORN_BIND", "TRUSTED_PROXY_CIDRS"):
            os.environ.pop(name, None)  # read_env wrote them into this process's environment

    assert conf["bind"] == "127.0.0.1:8765"
    assert conf["forwarded_allow_ips"] == "10.0.0.0/8"
    assert conf["control_socket_disable"] is True
