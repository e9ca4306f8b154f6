"""A slot's budget caps over /api/slots/, ``slot_create --budget-daily/--budget-total`` and the
service: stored when valid (null: no cap), refused per field in plain words when not."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from core.errors import ValidationFailed
from slots.budget import slot_budget_validate
from slots.models import Slot
from slots.services import slot_update
from slots.tests.api_helpers import LIST, detail, expect_error
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator(api_client):
    return api_client("slots:read", "slots:create", "slots:write")


def _create(client, **fields):
    return client.post(LIST, {"name": "Booth", "provider": "local", "operation": "grayscale", **fields}, format="json")


def test_a_new_slot_has_no_cap_by_default(creator):
    body = _create(creator).json()

    assert (body["budget_daily"], body["budget_total"]) == (None, None)


def test_caps_are_stored_and_answered_as_decimal_strings(creator):
    response = _create(creator, budget_daily="12.5", budget_total=40)

    assert response.status_code == 201, response.content
    assert (response.json()["budget_daily"], response.json()["budget_total"]) == ("12.5000", "40.0000")
    slot = Slot.objects.get(id=response.json()["id"])
    assert (slot.budget_daily, slot.budget_total) == (Decimal("12.5"), Decimal(40))


@pytest.mark.parametrize(
    ("value", "words"),
    [(-1, "greater than or equal to 0"), ("lots", "valid number"), ("0.00001", "4 decimal places")],
)
def test_a_bad_cap_is_refused_naming_the_field(creator, value, words):
    body = expect_error(_create(creator, budget_daily=value), 422, "validation_failed")

    assert words in " ".join(body["fields"]["budget_daily"])


def test_a_cap_is_raised_and_removed_with_patch(creator):
    slot = SlotFactory(budget_total=Decimal(5))

    raised = creator.patch(detail(slot), {"budget_total": "7.25"}, format="json", HTTP_IF_MATCH=str(slot.version))
    assert raised.status_code == 200, raised.content
    assert raised.json()["budget_total"] == "7.2500"

    removed = creator.patch(detail(slot), {"budget_total": None}, format="json", HTTP_IF_MATCH=str(slot.version + 1))
    assert removed.json()["budget_total"] is None
    slot.refresh_from_db()
    assert slot.budget_total is None


def test_the_service_refuses_what_the_database_would_and_keeps_the_other_cap():
    slot = SlotFactory(budget_daily=Decimal(3))

    with pytest.raises(ValidationFailed) as refused:
        slot_update(slot=slot, version=slot.version, data={"budget_total": "NaN"})
    assert "amount of money" in refused.value.fields["budget_total"][0]

    updated = slot_update(slot=slot, version=slot.version, data={"budget_total": "9"})
    assert (updated.budget_daily, updated.budget_total) == (Decimal(3), Decimal(9))


@pytest.mark.parametrize("value", [True, "1e3x", "100000000", "-0.01"])
def test_odd_amounts_are_refused_in_plain_words(value):
    with pytest.raises(ValidationFailed) as refused:
        slot_budget_validate(budget_daily=value, budget_total=None)

    assert refused.value.fields["budget_daily"][0].startswith("Must be")


def test_slot_create_takes_both_caps(capsys):
    call_command(
        "slot_create", "--name", "Gala", "--operation", "sepia", "--budget-daily", "20", "--budget-total", "55.5"
    )

    printed = json.loads(capsys.readouterr().out)
    assert (printed["budget_daily"], printed["budget_total"]) == ("20", "55.5")
    slot = Slot.objects.get(id=printed["id"])
    assert (slot.budget_daily, slot.budget_total) == (Decimal(20), Decimal("55.5"))


def test_slot_create_refuses_a_bad_cap_naming_it():
    with pytest.raises(CommandError, match="budget_total"):
        call_command("slot_create", "--name", "Gala", "--operation", "sepia", "--budget-total", "-3")
