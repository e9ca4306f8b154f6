"""A slot's budget in the admin site: set on the slot form, shown on the dashboard against what
the slot's booths spent, with a warning from 80 % and when it is used up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from slots.models import Slot
from stats.services import provider_call_record
from tests.admin.conftest import edit_data, form_errors
from tests.factories import JobFactory, SlotFactory

pytestmark = pytest.mark.django_db


def change(slot) -> str:
    return f"/admin/slots/slot/{slot.id}/change/"


def test_the_slot_form_sets_and_clears_the_caps(admin_client):
    slot = SlotFactory(provider="local", operation="sepia")

    response = admin_client.post(change(slot), edit_data(slot, budget_daily="20", budget_total="150.50"))

    assert response.status_code == 302, form_errors(response)
    slot.refresh_from_db()
    assert (slot.budget_daily, slot.budget_total) == (Decimal(20), Decimal("150.5"))
    admin_client.post(change(slot), edit_data(slot, budget_daily="", budget_total=""))
    slot.refresh_from_db()
    assert (slot.budget_daily, slot.budget_total) == (None, None)


def test_a_negative_cap_is_refused_on_its_field(admin_client):
    slot = SlotFactory(provider="local", operation="sepia")

    response = admin_client.post(change(slot), edit_data(slot, budget_total="-5"))

    assert response.status_code == 200
    assert form_errors(response)["budget_total"] == ["Ensure this value is greater than or equal to 0."]
    assert Slot.objects.get(id=slot.id).budget_total is None


def _spent(slot, amount: int, *, test_run: bool = False) -> None:
    job = JobFactory(slot=slot, status="completed", is_test_run=test_run)
    provider_call_record(job=job, outcome="ok", model="cap-model", usage={"output_tokens": amount}, duration_s=1)


def _budget_cell(html: str, slot) -> str:
    row = html[html.index(f'<tr class="slot-stats" data-slot="{slot.id}">') :]
    row = row[: row.index("</tr>")]
    return row[row.index('<td class="count budget">') :]


def test_the_dashboard_shows_booth_spend_against_each_cap_and_warns_from_80_percent(admin_client, settings):
    settings.PROVIDER_PRICES = {"cap-model": {"output_per_1k_tokens": 1000}}  # 1 per output token
    calm = SlotFactory(name="Calm", budget_daily=Decimal(10))
    busy = SlotFactory(name="Busy", budget_daily=Decimal(10), budget_total=Decimal(100))
    spent = SlotFactory(name="Spent", budget_total=Decimal(4))
    uncapped = SlotFactory(name="Free")
    _spent(calm, 2)
    _spent(calm, 50, test_run=True)  # a test run: paid, but not charged against the cap
    _spent(busy, 8)
    _spent(spent, 4)
    _spent(uncapped, 1)

    html = admin_client.get("/admin/").content.decode()

    currency = settings.PROVIDER_PRICES_CURRENCY
    assert f"today 2.00 / 10.00 {currency}" in _budget_cell(html, calm)
    assert "budget-warning" not in _budget_cell(html, calm)
    busy_cell = _budget_cell(html, busy)
    assert f"today 8.00 / 10.00 {currency}" in busy_cell and f"total 8.00 / 100.00 {currency}" in busy_cell
    assert '<strong class="budget-warning">80 % spent</strong>' in busy_cell
    assert "Used up: booths get the fallback print or 402" in _budget_cell(html, spent)
    assert "No budget cap" in _budget_cell(html, uncapped)


def test_the_test_run_page_says_booths_are_refused_while_test_runs_still_run(admin_client, settings):
    settings.PROVIDER_PRICES = {"cap-model": {"output_per_1k_tokens": 1000}}
    used_up, within = SlotFactory(budget_total=Decimal(1)), SlotFactory(budget_total=Decimal(5))
    _spent(used_up, 1)
    _spent(within, 1)

    page = admin_client.get(f"/admin/slots/slot/{used_up.id}/test-run/").content.decode()
    calm = admin_client.get(f"/admin/slots/slot/{within.id}/test-run/").content.decode()

    assert 'id="test-run-budget-used-up"' in page
    assert "A test run still runs; its cost is counted as test spend" in page
    assert 'id="test-run-budget-used-up"' not in calm
