"""The operator's evening in a real browser: headless Debian Chromium against the live stack
(gunicorn serving the admin site, a Celery worker, the stand-in Gemini server).

Each step leaves a screenshot in test-artifacts/admin-<step>.png.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from jobs.models import Job, JobStatus
from media.models import TemplateMedia
from slots.models import Slot
from slots.services import slot_secret_matches
from tests.factories import JobFactory
from tests.support import images
from tests.support.booth import booth_fields, booth_post
from tests.support.stack import ARTIFACTS

pytestmark = [pytest.mark.pipeline, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USERNAME, PASSWORD = "operator", "operator-password-1"  # noqa: S105 (a throwaway test account)


def shot(driver: WebDriver, step: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"admin-{step}.png"))


def wait(driver: WebDriver, timeout: float = 15) -> WebDriverWait:
    return WebDriverWait(driver, timeout)


def natural_width(driver: WebDriver, css: str) -> int:
    """The decoded width of a rendered <img>, once it finished loading (0 if it failed)."""
    image = wait(driver).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))
    wait(driver).until(lambda d: d.execute_script("return arguments[0].complete", image))
    return driver.execute_script("return arguments[0].naturalWidth", image)


def log_in(driver: WebDriver, base_url: str) -> None:
    driver.get(f"{base_url}/admin/login/?next=/admin/")
    driver.find_element(By.ID, "id_username").send_keys(USERNAME)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    shot(driver, "01-login")
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait(driver).until(ec.presence_of_element_located((By.ID, "booth-dashboard")))


def create_gemini_slot(driver: WebDriver, base_url: str) -> tuple[Slot, str]:
    driver.get(f"{base_url}/admin/slots/slot/add/")
    # The page's own script (served by gunicorn through WhiteNoise) is running.
    wait(driver).until(lambda d: d.execute_script("return document.body.dataset.slotFormReady") == "true")
    assert driver.find_elements(By.ID, "id_param_prompt") == [], "the default operation has no prompt"
    driver.find_element(By.ID, "id_name").send_keys("Pirate booth")
    Select(driver.find_element(By.ID, "id_provider")).select_by_value("gemini")
    Select(driver.find_element(By.ID, "id_operation")).select_by_value("edit")
    prompt = wait(driver).until(ec.visibility_of_element_located((By.ID, "id_param_prompt")))
    assert prompt.tag_name == "textarea"
    prompt.send_keys("Turn {name} into a pirate")
    shot(driver, "02-slot-form")
    driver.find_element(By.NAME, "_save").click()
    password = wait(driver).until(ec.presence_of_element_located((By.ID, "slot-password"))).get_attribute("value")
    shot(driver, "03-password-once")
    slot = Slot.objects.get(name="Pirate booth")
    assert (slot.provider, slot.operation, slot.params["prompt"]) == ("gemini", "edit", "Turn {name} into a pirate")
    assert slot_secret_matches(slot=slot, secret=password)
    return slot, password


def test_an_operator_sets_up_checks_and_watches_a_gemini_slot(live_stack, gemini, chromium, django_user_model):
    django_user_model.objects.create_superuser(USERNAME, "op@example.com", PASSWORD)
    driver, base = chromium, live_stack.base_url

    log_in(driver, base)
    slot, password = create_gemini_slot(driver, base)

    # The password is shown once: neither the list nor the slot's page shows it again.
    driver.get(f"{base}/admin/slots/slot/")
    row = wait(driver).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#result_list tbody tr")))
    assert f"/ingest/{slot.id}" in row.find_element(By.CSS_SELECTOR, "input.copy-source").get_attribute("value")
    assert password not in driver.page_source
    shot(driver, "04-slot-list")
    driver.get(f"{base}/admin/slots/slot/{slot.id}/change/")
    assert password not in driver.page_source

    # A booth uses the URL and password the page gave.
    booth = booth_post(
        f"{base}/ingest/{slot.id}", photo=images.jpeg(320, 240), password=password, fields=booth_fields(name="Bob")
    )
    assert booth.status == 200, booth.body[:300]

    # Test run: the photo goes through the real pipeline and the result renders beside the original.
    photo = ARTIFACTS / "admin-test-photo.jpg"
    photo.write_bytes(images.jpeg(640, 480))
    driver.find_element(By.ID, "slot-test-run-link").click()
    driver.find_element(By.NAME, "photo").send_keys(str(photo))
    driver.find_element(By.NAME, "booth_fields").send_keys("name=Alice")
    driver.find_element(By.ID, "test-run-submit").click()
    outcome = wait(driver, 30).until(ec.presence_of_element_located((By.ID, "test-run-outcome")))
    assert outcome.get_attribute("data-status") == "completed", outcome.text
    assert natural_width(driver, "#test-run-result") > 0
    assert natural_width(driver, "#test-run-original") > 0
    shot(driver, "05-test-run")
    test_run = Job.objects.get(is_test_run=True)
    assert test_run.status == JobStatus.COMPLETED
    assert [r.prompts for r in gemini.requests] == [["Turn Bob into a pirate"], ["Turn Alice into a pirate"]]

    # The dashboard counts the booth's photo (not the test run) and shows its result.
    driver.get(f"{base}/admin/")
    stats = wait(driver).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f"tr.slot-stats[data-slot='{slot.id}']"))
    )
    assert stats.find_element(By.CSS_SELECTOR, "td.count-completed").text == "1"
    assert stats.find_element(By.CSS_SELECTOR, "td.count-total").text == "1"
    assert natural_width(driver, f"tr.slot-gallery[data-slot='{slot.id}'] img.dashboard-thumb") > 0
    shot(driver, "06-dashboard")

    # The booth job's page: its timeline and its result thumbnail.
    booth_job = Job.objects.get(is_test_run=False)
    driver.get(f"{base}/admin/jobs/job/{booth_job.id}/change/")
    assert natural_width(driver, "img.job-thumb-result") > 0
    assert "Bob" in driver.find_element(By.CSS_SELECTOR, "table.booth-fields").text
    shot(driver, "07-job")

    # Cancel a job that is still waiting, with the job list's action.
    stuck = JobFactory(slot=slot, status="pending")
    driver.get(f"{base}/admin/jobs/job/?status__exact=pending")
    driver.find_element(By.CSS_SELECTOR, f"input.action-select[value='{stuck.id}']").click()
    Select(driver.find_element(By.NAME, "action")).select_by_value("cancel_jobs")
    driver.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    message = wait(driver).until(ec.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li.success")))
    assert message.text == "Cancelled 1 job."
    shot(driver, "08-cancel")
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.CANCELLED


def test_template_upload_pickers_and_errors_in_the_browser(live_stack, chromium, django_user_model):
    django_user_model.objects.create_superuser(USERNAME, "op@example.com", PASSWORD)
    driver, base = chromium, live_stack.base_url
    log_in(driver, base)

    # Upload a frame: the chosen file is previewed before it is sent.
    frame = ARTIFACTS / "admin-test-frame.png"
    frame.write_bytes(images.png(200, 150))
    driver.get(f"{base}/admin/media/templatemedia/add/")
    driver.find_element(By.NAME, "file").send_keys(str(frame))
    assert natural_width(driver, "#template-upload-preview") == 200
    driver.find_element(By.ID, "id_name").send_keys("Gold frame")
    shot(driver, "09-template-upload")
    driver.find_element(By.NAME, "_save").click()
    assert natural_width(driver, "#result_list img.template-thumb") > 0
    template = TemplateMedia.objects.get(name="Gold frame")

    # The overlay operation's fields come from the schema: a frame picker showing the thumbnail.
    driver.get(f"{base}/admin/slots/slot/add/")
    wait(driver).until(lambda d: d.execute_script("return document.body.dataset.slotFormReady") == "true")
    driver.find_element(By.ID, "id_name").send_keys("Framed")
    Select(driver.find_element(By.ID, "id_operation")).select_by_value("overlay")
    Select(wait(driver).until(ec.presence_of_element_located((By.ID, "id_param_frame")))).select_by_value(
        str(template.id)
    )
    assert natural_width(driver, ".template-previews img") > 0
    opacity = driver.find_element(By.ID, "id_param_opacity")
    assert (opacity.get_attribute("min"), opacity.get_attribute("max")) == ("0", "1")
    opacity.clear()
    opacity.send_keys("2")
    driver.find_element(By.NAME, "_save").click()

    # The server's message (the API's) is shown on the field, and the choices survive the round trip.
    error = wait(driver).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#id_param_opacity_error li")))
    assert error.text == "Must be at most 1.0."
    assert Select(driver.find_element(By.ID, "id_param_frame")).first_selected_option.get_attribute("value") == str(
        template.id
    )
    shot(driver, "10-slot-form-error")
    assert not Slot.objects.exists()

    # Switching operations keeps what was typed into a parameter both have.
    Select(driver.find_element(By.ID, "id_provider")).select_by_value("gemini")
    Select(driver.find_element(By.ID, "id_operation")).select_by_value("edit")
    driver.find_element(By.ID, "id_param_prompt").send_keys("Add a gold frame")
    Select(driver.find_element(By.ID, "id_operation")).select_by_value("background_replace")
    assert driver.find_element(By.ID, "id_param_prompt").get_attribute("value") == "Add a gold frame"
    assert driver.find_element(By.ID, "id_params_for").get_attribute("value") == "gemini:background_replace"
    Select(driver.find_element(By.ID, "id_param_background")).select_by_value(str(template.id))
    driver.find_element(By.NAME, "_save").click()
    wait(driver).until(ec.presence_of_element_located((By.ID, "slot-password")))
    slot = Slot.objects.get(name="Framed")
    assert slot.params["background"] == str(template.id) and slot.params["prompt"] == "Add a gold frame"
