"""Input and output shapes of ``GET /api/stats/spend``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers

# Bounded so that one request stays a small, quick answer.
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)


class SpendQuerySerializer(serializers.Serializer):
    """``from``/``to`` are Python keywords, hence the fields are declared in ``get_fields``."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.DateField(
                required=False, help_text=f"First UTC day (default: {DEFAULT_RANGE_DAYS - 1} days before `to`)."
            ),
            "to": serializers.DateField(required=False, help_text="Last UTC day, included (default: today)."),
            "slot": serializers.UUIDField(required=False, help_text="Only this slot (also a deleted one)."),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until = attrs.get("to") or timezone.now().date()
        since = attrs.get("from") or max(EARLIEST, until - timedelta(days=DEFAULT_RANGE_DAYS - 1))
        errors: dict[str, list[str]] = {}
        for name, value in (("from", since), ("to", until)):
            if not EARLIEST <= value <= LATEST:
                errors[name] = [f"Must be between {EARLIEST} and {LATEST}."]
        if not errors and since > until:
            errors["from"] = ["Must not be after `to`."]
        if not errors and (until - since).days >= MAX_RANGE_DAYS:
            errors["to"] = [f"The range may span at most {MAX_RANGE_DAYS} days."]
        if errors:
            raise serializers.ValidationError(errors)
        return {"since": since, "until": until, "slot_id": attrs.get("slot")}


class SpendRowOutputSerializer(serializers.Serializer):
    slot_id = serializers.UUIDField(allow_null=True, help_text="Null for calls of jobs whose slot was unknown.")
    slot_name = serializers.CharField()
    calls = serializers.IntegerField(help_text="Provider calls (one per job; retries counted in attempts).")
    # A declared field (DRF's metaclass moves it off the class attributes), not Serializer.errors.
    errors = serializers.IntegerField(help_text="Calls that did not return a result.")  # type: ignore[assignment]
    unpriced_calls = serializers.IntegerField(help_text="Calls of models missing from the price table (cost 0).")
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    estimated_cost = serializers.DecimalField(max_digits=20, decimal_places=6)
    test_estimated_cost = serializers.DecimalField(
        max_digits=20,
        decimal_places=6,
        help_text="Of `estimated_cost`: test runs and slot checks (never charged against a slot's budget).",
    )


class SpendDayOutputSerializer(SpendRowOutputSerializer):
    day = serializers.DateField(help_text="UTC day.")


class SpendTotalOutputSerializer(SpendRowOutputSerializer):
    # None drops the inherited field (DRF's way); the stubs only see the base class's field types.
    slot_id = None  # type: ignore[assignment]
    slot_name = None  # type: ignore[assignment]


class SpendReportOutputSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.DateField(source="since"),
            "to": serializers.DateField(source="until"),
            "currency": serializers.CharField(help_text="Currency of the price table (PROVIDER_PRICES_CURRENCY)."),
            "days": SpendDayOutputSerializer(many=True, help_text="Per UTC day and slot, oldest first."),
            "slots": SpendRowOutputSerializer(many=True, help_text="Per slot over the range, costliest first."),
            "total": SpendTotalOutputSerializer(),
        }
