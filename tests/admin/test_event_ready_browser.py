"""The operator's hour before the doors open, in a real browser (headless Debian Chromium against
the live stack): warnings that stop booths, "Check before the event" and the ready board.

Each step leaves a screenshot in test-artifacts/admin-event-<step>.png.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from ingest.models import SlotCheck
from jobs.models import Job
from tests.admin.test_admin_browser import PASSWORD, USERNAME, log_in, natural_width, shot, wait
from tests.support.gemini_stub import error

pytestmark = [pytest.mark.pipeline, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_sees_what_stops_booths_checks_every_slot_and_reads_the_ready_board(
    live_stack, booth_slot, gemini, chromium, django_user_model
):
    django_user_model.objects.create_superuser(USERNAME, "op@example.com", PASSWORD)
    driver, base = chromium, live_stack.base_url
    gemini.default = error(429, "Resource has been exhausted (e.g. check quota).")
    sepia = booth_slot(name="Sepia corner")
    pirate = booth_slot(name="Pirate booth", provider="gemini", operation="edit", params={"prompt": "pirate"})

    # The ready board: nothing checked yet, and what would stop booths is said with the fix.
    log_in(driver, base)
    board = wait(driver).until(ec.presence_of_element_located((By.ID, "ready-board")))
    assert "scripts/serve --lan" in board.find_element(By.ID, "booth-url-warning").text
    [nokey] = board.find_elements(By.CSS_SELECTOR, ".provider-setup-warning")
    assert nokey.get_attribute("data-provider") == "gemini_nokey" and "GEMINI_API_KEY" in nokey.text
    for slot in (sepia, pirate):
        row = board.find_element(By.CSS_SELECTOR, f"tr.ready-row[data-slot='{slot.id}']")
        assert row.get_attribute("data-state") == "unchecked"
    shot(driver, "event-01-ready-board-unchecked")

    # The slot form says so as soon as a provider without a key is chosen, and not otherwise.
    driver.get(f"{base}/admin/slots/slot/add/")
    wait(driver).until(lambda d: d.execute_script("return document.body.dataset.slotFormReady") == "true")
    warning = driver.find_element(By.ID, "slot-provider-warning")
    assert not warning.is_displayed()
    Select(driver.find_element(By.ID, "id_provider")).select_by_value("gemini_nokey")
    wait(driver).until(ec.visibility_of(warning))
    assert "Gemini has no API key" in warning.text and "GEMINI_API_KEY" in warning.text
    shot(driver, "event-02-provider-warning")
    Select(driver.find_element(By.ID, "id_provider")).select_by_value("local")
    assert not warning.is_displayed()

    # Slot list → select both → "Check before the event".
    driver.get(f"{base}/admin/slots/slot/")
    assert "127.0.0.1" in driver.find_element(By.ID, "booth-url-warning").text
    for slot in (sepia, pirate):
        driver.find_element(By.CSS_SELECTOR, f"input.action-select[value='{slot.id}']").click()
    Select(driver.find_element(By.NAME, "action")).select_by_value("slots_check_action")
    driver.find_element(By.CSS_SELECTOR, "button[name='index']").click()
    results = wait(driver, 30).until(ec.presence_of_element_located((By.ID, "slot-check-results")))
    ok_row = results.find_element(By.CSS_SELECTOR, f"tr[data-slot='{sepia.id}']")
    failed_row = results.find_element(By.CSS_SELECTOR, f"tr[data-slot='{pirate.id}']")
    assert (ok_row.get_attribute("data-ok"), ok_row.get_attribute("data-reason")) == ("true", "ok")
    assert (failed_row.get_attribute("data-ok"), failed_row.get_attribute("data-reason")) == ("false", "quota")
    assert "Quota: the provider said too many requests" in failed_row.text and "Fix: " in failed_row.text
    assert ok_row.find_element(By.CSS_SELECTOR, ".slot-check-model").text == "pillow"
    assert ok_row.find_element(By.CSS_SELECTOR, ".slot-check-latency").text.endswith(" s")
    assert natural_width(driver, f"tr[data-slot='{sepia.id}'] img.slot-check-thumb") > 0
    assert "1 of 2 slots failed the check." in driver.find_element(By.CSS_SELECTOR, "ul.messagelist").text
    shot(driver, "event-03-check-results")

    # The ready board: green and red, with when and why; the checks are no booth statistic.
    driver.get(f"{base}/admin/")
    board = wait(driver).until(ec.presence_of_element_located((By.ID, "ready-board")))
    ok_row = board.find_element(By.CSS_SELECTOR, f"tr.ready-row[data-slot='{sepia.id}']")
    failed_row = board.find_element(By.CSS_SELECTOR, f"tr.ready-row[data-slot='{pirate.id}']")
    assert ok_row.get_attribute("data-state") == "ok" and "ago" in ok_row.text
    assert failed_row.get_attribute("data-state") == "failed" and "Quota" in failed_row.text
    green = driver.execute_script(
        "return getComputedStyle(arguments[0]).backgroundColor", ok_row.find_element(By.CSS_SELECTOR, ".ready-dot")
    )
    red = driver.execute_script(
        "return getComputedStyle(arguments[0]).backgroundColor", failed_row.find_element(By.CSS_SELECTOR, ".ready-dot")
    )
    assert (green, red) == ("rgb(46, 158, 68)", "rgb(198, 40, 40)")
    stats = driver.find_element(By.CSS_SELECTOR, f"tr.slot-stats[data-slot='{sepia.id}']")
    assert stats.find_element(By.CSS_SELECTOR, "td.count-total").text == "0"
    shot(driver, "event-04-ready-board")
    assert SlotCheck.objects.count() == 2
    assert Job.objects.filter(is_test_run=True).count() == 2
