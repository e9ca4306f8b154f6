"""The fallback print and booth hang-ups in a real browser: headless Chromium against the live stack.
Screenshots: test-artifacts/admin-fallback-<step>.png."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from jobs.models import Job
from slots.models import Slot
from tests.admin.test_admin_browser import PASSWORD, USERNAME, log_in, wait
from tests.pipeline.test_booth_hangs_up import _post_and_hang_up, _settled
from tests.support import images
from tests.support.booth import booth_post
from tests.support.stack import ARTIFACTS

pytestmark = [pytest.mark.pipeline, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(driver, step: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"admin-fallback-{step}.png"))


def test_an_operator_sets_a_fallback_and_answer_by_on_a_slot_and_a_bad_value_is_refused_in_words(
    live_stack, chromium, django_user_model
):
    django_user_model.objects.create_superuser(USERNAME, "op@example.com", PASSWORD)
    driver, base = chromium, live_stack.base_url
    log_in(driver, base)
    driver.get(f"{base}/admin/slots/slot/add/")
    wait(driver).until(lambda d: d.execute_script("return document.body.dataset.slotFormReady") == "true")
    driver.find_element(By.ID, "id_name").send_keys("Frame booth")
    Select(driver.find_element(By.ID, "id_on_failure")).select_by_value("original")
    driver.find_element(By.ID, "id_answer_by").send_keys("45")
    driver.find_element(By.NAME, "_save").click()

    error = wait(driver).until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".field-answer_by .errorlist")))
    shot(driver, "01-answer-by-refused")
    assert "between 1 and 2 seconds (T_SYNC_RESPONSE)" in error.text
    assert not Slot.objects.exists()

    answer_by = driver.find_element(By.ID, "id_answer_by")
    answer_by.clear()
    answer_by.send_keys("1.5")
    Select(driver.find_element(By.ID, "id_on_failure")).select_by_value("local:sepia")
    driver.find_element(By.ID, "id_on_failure_params").send_keys('{"strength": 0.8}')
    driver.find_element(By.NAME, "_save").click()
    wait(driver).until(ec.presence_of_element_located((By.ID, "slot-password")))
    slot = Slot.objects.get(name="Frame booth")
    assert (slot.on_failure, slot.answer_by, slot.on_failure_params["strength"]) == ("local:sepia", 1.5, 0.8)

    driver.get(f"{base}/admin/slots/slot/{slot.id}/change/")
    fieldset = wait(driver).until(ec.visibility_of_element_located((By.ID, "id_on_failure")))
    driver.execute_script("arguments[0].scrollIntoView()", fieldset)
    shot(driver, "02-slot-with-fallback")
    assert Select(fieldset).first_selected_option.text == "Local: Sepia"


def test_the_dashboard_counts_fallback_prints_and_booths_that_hung_up_apart_from_completed_jobs(
    live_stack, chromium, django_user_model, booth_slot
):
    django_user_model.objects.create_superuser(USERNAME, "op@example.com", PASSWORD)
    slot = booth_slot(
        name="Slow booth",
        provider="testing",
        operation="sleep",
        params={"seconds": 1.3},
        on_failure="original",
        answer_by=1,
    )
    url = f"{live_stack.base_url}/ingest/{slot.id}"
    printed = booth_post(url, photo=images.jpeg(), password=slot.secret)
    assert printed.headers.get("x-photochanger-fallback") == "answer_by"
    _post_and_hang_up(url, password=slot.secret, after=0.3, photo=images.jpeg(321, 240))  # another guest
    _settled(slot)
    driver, base = chromium, live_stack.base_url

    log_in(driver, base)
    row = wait(driver).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f"#booth-dashboard tr.slot-stats[data-slot='{slot.id}']"))
    )
    driver.execute_script("arguments[0].scrollIntoView()", row)
    shot(driver, "03-dashboard")
    assert row.find_element(By.CSS_SELECTOR, ".count-completed").text == "2", "both jobs completed late"
    assert row.find_element(By.CSS_SELECTOR, ".count-fallbacks").text == "1"
    assert row.find_element(By.CSS_SELECTOR, ".count-booth-disconnected").text == "1"

    row.find_element(By.CSS_SELECTOR, ".count-fallbacks a").click()
    wait(driver).until(ec.presence_of_element_located((By.ID, "result_list")))
    shot(driver, "04-fallback-jobs")
    rows = driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 1 and "Fallback original (answer_by)" in rows[0].text

    job = Job.objects.get(id=printed.headers["x-job-id"])
    driver.get(f"{base}/admin/jobs/job/{job.id}/change/")
    answer = wait(driver).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".field-booth_answer")))
    driver.execute_script("arguments[0].scrollIntoView()", answer)
    shot(driver, "05-job-fallback")
    assert "Fallback original (answer_by)" in answer.text
