"""Fixtures for the admin-site tests: logged-in clients with and without permissions."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.test import Client


def _user(django_user_model, *, staff: bool, perms: tuple[str, ...] = ()):
    user = django_user_model.objects.create_user(
        username=f"user-{uuid.uuid4().hex[:8]}",
        password="pw",  # noqa: S106 (a throwaway test user)
        is_staff=staff,
    )
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def client_for(db, django_user_model):
    """``client_for(staff=True, perms=("jobs.view_job",))``: a test client logged in as such a user."""

    def make(*, staff: bool = True, perms: tuple[str, ...] = ()) -> Client:
        client = Client()
        client.force_login(_user(django_user_model, staff=staff, perms=perms))
        return client

    return make


def form_errors(response, form_key: str = "adminform") -> dict[str, list[str]]:
    """The errors of the admin page's form, by field (``__all__`` for the form's own)."""
    form = response.context[form_key]
    form = getattr(form, "form", form)
    return {name: list(errors) for name, errors in form.errors.items()}


def form_data(provider: str, operation: str, *, name: str = "Wedding", active: bool = True, **params) -> dict:
    """What the browser posts: the slot fields, the hidden fields and ``param_<name>`` fields."""
    data = {
        "name": name,
        "provider": provider,
        "operation": operation,
        "params_for": f"{provider}:{operation}",
        "version": "",  # the add page's hidden version is empty
    }
    if active:
        data["is_active"] = "on"
    data.update({f"param_{key}": value for key, value in params.items()})
    return data


def edit_data(slot, **overrides) -> dict:
    data = form_data(slot.provider, slot.operation, name=slot.name, active=slot.is_active)
    data["version"] = slot.version
    data.update(overrides)
    return data


CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--window-size=1400,1100",
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_report = report  # for the chromium fixture: keep evidence of a failed browser test
    return report


@pytest.fixture
def chromium(request, tmp_path, monkeypatch):
    """Headless Debian Chromium driven by Debian's chromedriver; Selenium Manager never runs (the
    driver path is given, and SE_OFFLINE forbids any download even if it did)."""
    from pathlib import Path

    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    from tests.support.stack import ARTIFACTS

    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install -y chromium chromium-driver (scripts/test does)")
    monkeypatch.setenv("SE_OFFLINE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    service = Service(executable_path=CHROMEDRIVER, log_output=str(ARTIFACTS / "admin-chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
        report = getattr(request.node, "call_report", None)
        if report is not None and report.failed:
            driver.save_screenshot(str(ARTIFACTS / f"admin-failed-{request.node.name}.png"))
            (ARTIFACTS / f"admin-failed-{request.node.name}.html").write_text(driver.page_source)
    finally:
        driver.quit()
