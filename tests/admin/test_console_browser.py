"""The operator's console at a laptop's 1366×768 and a phone's 412 px, in headless Debian Chromium
against the live stack: every page fits, nothing needed is cut off or scrolled out of sight.

Each page leaves a screenshot in test-artifacts/console-<page>-<width>.png, and the pages an operator
reads most (dashboard, slot form, job list and detail) again in Russian: console-ru-<page>-<width>.png.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec

from jobs.models import Job
from tests.admin.test_admin_browser import PASSWORD, USERNAME, log_in, wait
from tests.factories import JobFactory, SlotFactory, TemplateMediaFactory
from tests.support import images
from tests.support.booth import booth_fields, booth_post
from tests.support.stack import ARTIFACTS

pytestmark = [pytest.mark.pipeline, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = (1366, 768)
PHONE = (412, 915)


def viewport(driver: WebDriver, size: tuple[int, int]) -> None:
    width, height = size
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def visit(driver: WebDriver, url: str, size: tuple[int, int], name: str) -> None:
    viewport(driver, size)
    driver.get(url)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
    driver.save_screenshot(str(ARTIFACTS / f"console-{name}-{size[0]}.png"))


def language_choose(driver: WebDriver, code: str) -> None:
    """As an operator does: the header's language menu, then the page it comes back to."""
    driver.find_element(By.CSS_SELECTOR, f"#language-menu button[value='{code}']").click()
    wait(driver).until(ec.presence_of_element_located((By.CSS_SELECTOR, f"html[lang='{code}']")))


def page_overflow(driver: WebDriver) -> int:
    """How many pixels the page is wider than the window (0: no sideways scroll)."""
    return driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")


def table_overflow(driver: WebDriver, box: str = ".results") -> int:
    """How many pixels a table is wider than its box (0: no sideways scroll); the change list's by default."""
    return driver.execute_script(
        "const box = document.querySelector(arguments[0]); return box.scrollWidth - box.clientWidth", box
    )


def inside_window(driver: WebDriver, css: str) -> bool:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth",
        css,
    )


@pytest.fixture
def evening(live_stack, django_user_model):
    """A slot with a few booth jobs through the real pipeline, a failed job and a test run."""
    django_user_model.objects.create_superuser(USERNAME, "op@example.com", PASSWORD)
    slot = SlotFactory(name="Wedding of Anna and Boris (garden booth)", provider="local", operation="sepia")
    for index, guest in enumerate(("Alice", "Bob", "Carol")):
        answer = booth_post(
            f"{live_stack.base_url}/ingest/{slot.id}",
            photo=images.jpeg(300 + 10 * index, 240),
            password=slot.secret,
            fields=booth_fields(name=guest),
        )
        assert answer.status == 200, answer.body[:300]
    JobFactory(
        slot=slot,
        status="failed_provider",
        failure_code="provider_refused",
        failure_message="The provider refused the photo (safety).",
    )
    JobFactory(slot=slot, status="completed", is_test_run=True)
    TemplateMediaFactory(name="Gold frame")
    return slot


def test_every_console_page_fits_a_laptop_and_a_phone(evening, live_stack, chromium):
    driver, base, slot = chromium, live_stack.base_url, evening
    viewport(driver, LAPTOP)
    log_in(driver, base)
    booth_job = Job.objects.filter(slot=slot, is_test_run=False, status="completed").first()

    for size in (LAPTOP, PHONE):
        visit(driver, f"{base}/admin/", size, "dashboard")
        assert driver.find_element(By.ID, "system-status").is_displayed()
        assert "Workers: alive" in driver.find_element(By.ID, "status-workers").text
        strip = driver.find_element(By.CSS_SELECTOR, f"tr.slot-gallery[data-slot='{slot.id}'] .gallery-strip")
        assert len(strip.find_elements(By.CSS_SELECTOR, "img.dashboard-thumb")) == 3
        assert strip.size["height"] < 60, "one compact strip, not rows of large thumbnails"
        if size == LAPTOP:
            assert page_overflow(driver) <= 0 and table_overflow(driver, ".dashboard-scroll") <= 0

        visit(driver, f"{base}/admin/slots/slot/", size, "slot-list")
        copy = "#result_list tr td.field-ingest_url .copy-button"
        assert inside_window(driver, copy), "the Copy button is on the screen"
        assert inside_window(driver, "#result_list td.field-ingest_url code.copy-short")
        shown = driver.find_element(By.CSS_SELECTOR, "#result_list td.field-ingest_url code.copy-short").text
        assert f"/ingest/{str(slot.id)[:8]}" in shown, "not cut after the host"
        if size == LAPTOP:
            assert table_overflow(driver) <= 0 and page_overflow(driver) <= 0

        visit(driver, f"{base}/admin/slots/slot/{slot.id}/change/", size, "slot-page")
        assert "Version" not in driver.find_element(By.ID, "content").text
        assert page_overflow(driver) <= 0 if size == LAPTOP else True
        assert inside_window(driver, ".field-ingest_url_field .copy-button")

        visit(driver, f"{base}/admin/jobs/job/", size, "job-list")
        assert table_overflow(driver) <= 0 and page_overflow(driver) <= 0, "a phone shows one card per job"
        if size == LAPTOP:
            assert inside_window(driver, "#result_list th.column-failure_code"), "the failure column is visible"
        failed = "#result_list td.field-failure_code:not(:has(.empty-value))"  # the failed job's
        assert inside_window(driver, failed), "what went wrong is on the screen"
        assert len(driver.find_elements(By.CSS_SELECTOR, "#result_list .run-tag")) == 1
        assert driver.find_elements(By.CSS_SELECTOR, "#result_list img[alt='False']") == []

        visit(driver, f"{base}/admin/jobs/job/?q={str(booth_job.id)[:8]}", size, "job-search")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")) == 1

        visit(driver, f"{base}/admin/jobs/job/{booth_job.id}/change/", size, "job-detail")
        content = driver.find_element(By.ID, "content").text
        assert "Processing" in content and "Queued for" in content and " UTC" in content
        if size == LAPTOP:
            assert page_overflow(driver) <= 0

        visit(driver, f"{base}/admin/media/templatemedia/", size, "template-list")
        visit(driver, f"{base}/admin/media/templatemedia/add/", size, "template-add")
        assert not driver.find_element(By.ID, "template-upload-preview").is_displayed(), "nothing before a choice"
        frame = ARTIFACTS / "console-frame.png"
        frame.write_bytes(images.png(200, 300))
        upload = driver.find_element(By.NAME, "file")
        upload.send_keys(str(frame))
        preview = wait(driver).until(ec.visibility_of_element_located((By.ID, "template-upload-preview")))
        assert preview.size["height"] > 100
        assert upload.size["height"] < 60, "the input's focus box keeps its own height"
        driver.save_screenshot(str(ARTIFACTS / f"console-template-add-chosen-{size[0]}.png"))

    visit(driver, f"{base}/", LAPTOP, "status-page")
    assert "Workers: alive" in driver.find_element(By.ID, "status-workers").text


def test_an_operator_switches_to_russian_and_the_pages_still_fit(evening, live_stack, chromium):
    driver, base, slot = chromium, live_stack.base_url, evening
    viewport(driver, LAPTOP)
    log_in(driver, base)
    language_choose(driver, "ru")
    booth_job = Job.objects.filter(slot=slot, is_test_run=False, status="completed").first()

    for size in (LAPTOP, PHONE):
        visit(driver, f"{base}/admin/", size, "ru-dashboard")
        assert "Обработчики: работают" in driver.find_element(By.ID, "status-workers").text
        assert "Работа фотобудок за последние 24 ч" in driver.find_element(By.ID, "booth-dashboard").text
        assert inside_window(driver, "#language-menu"), "the way back to English stays on the screen"
        if size == LAPTOP:
            assert page_overflow(driver) <= 0 and table_overflow(driver, ".dashboard-scroll") <= 0

        visit(driver, f"{base}/admin/slots/slot/{slot.id}/change/", size, "ru-slot-page")
        wait(driver).until(lambda d: d.execute_script("return document.body.dataset.slotFormReady") == "true")
        assert "Параметры операции" in driver.find_element(By.ID, "slot-params-heading").text
        assert inside_window(driver, ".field-ingest_url_field .copy-button")
        assert inside_window(driver, "#slot-test-run-link") and inside_window(driver, "#slot-rotate-link")
        if size == LAPTOP:
            assert page_overflow(driver) <= 0

        visit(driver, f"{base}/admin/slots/slot/add/", size, "ru-slot-add")
        assert inside_window(driver, "input[name='_save']"), "the save button is reachable"

        visit(driver, f"{base}/admin/jobs/job/", size, "ru-job-list")
        assert table_overflow(driver) <= 0 and page_overflow(driver) <= 0
        assert "Выполнено" in driver.find_element(By.ID, "result_list").text

        visit(driver, f"{base}/admin/jobs/job/{booth_job.id}/change/", size, "ru-job-detail")
        assert "В очереди" in driver.find_element(By.ID, "content").text
        if size == LAPTOP:
            assert page_overflow(driver) <= 0

    language_choose(driver, "en")  # back on the job's page, in English
    assert "Queued for" in driver.find_element(By.ID, "content").text
