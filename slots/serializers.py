"""Input and output shapes of the providers and slots admin API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from slots.models import Slot
from slots.services import slot_ingest_url

# --- Providers (GET /api/providers/) -------------------------------------------------------------


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A bound as declared: 10000 stays an integer, 0.5 a float (FloatField would print 10000.0)."""

    def to_representation(self, value: Any) -> Any:
        return value


class ParamSchemaOutputSerializer(serializers.Serializer):
    # Optional keys are absent from the registry's description when they do not apply; a serializer
    # field with required=False is then left out of the output instead of printed as null.
    name = serializers.CharField()
    type = serializers.ChoiceField(
        choices=["string", "text", "integer", "number", "boolean", "enum", "template_media", "template_media_list"],
        help_text="template_media: one template media id; template_media_list: a list of them.",
    )
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    help = serializers.CharField(allow_blank=True)
    required = serializers.BooleanField()  # type: ignore[assignment]  # a declared field, not Field.required
    default = serializers.JSONField(allow_null=True, help_text="Used when the parameter is left out.")
    choices = serializers.ListField(child=serializers.CharField(), required=False, help_text="For enum parameters.")
    minimum = NumberField(required=False)
    maximum = NumberField(required=False)
    min_length = serializers.IntegerField(required=False)
    max_length = serializers.IntegerField(required=False)
    max_items = serializers.IntegerField(required=False)


class OperationSchemaOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    help = serializers.CharField(allow_blank=True)
    params = ParamSchemaOutputSerializer(many=True)


class ProviderOutputSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The value of a slot's `provider`.")
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    operations = OperationSchemaOutputSerializer(many=True)


class ProviderListOutputSerializer(serializers.Serializer):
    providers = ProviderOutputSerializer(many=True)


# --- Slots ---------------------------------------------------------------------------------------


class SlotFilterInputSerializer(serializers.Serializer):
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    provider = serializers.CharField(required=False)
    operation = serializers.CharField(required=False)


class SlotFallbackInputSerializer(serializers.Serializer):
    """The fallback print's fields, the same on create and update (checked by slots/fallback.py)."""

    on_failure = serializers.CharField(
        max_length=50,
        required=False,
        help_text="What the booth gets when the operation fails or is late: `error` (502/504, the default), "
        "`original` (its photo, upright) or `local:<operation>` (e.g. `local:sepia`, `local:overlay`).",
    )
    on_failure_params = serializers.DictField(
        required=False, help_text="Parameters of a `local:` fallback, checked against that operation's schema."
    )
    answer_by = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Seconds after the photo arrived by which the booth gets the fallback (1 to T_SYNC_RESPONSE; "
        "null: T_SYNC_RESPONSE). Set it under the booth's own timeout.",
    )


class SlotBudgetInputSerializer(SlotFallbackInputSerializer):
    """The spend caps, the same on create and update (checked again by slots/budget.py: 0 or
    more, at most 4 decimals; null: no cap)."""

    budget_daily = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=Decimal(0),
        allow_null=True,
        required=False,
        help_text="Cap on the estimated provider spend of the slot's booth jobs per UTC day, in "
        'PROVIDER_PRICES_CURRENCY (e.g. `25` or `"12.50"`); null: no cap. At the cap the booth gets the '
        "fallback print, or 402 `budget_exhausted`. Test runs and checks are not charged against it.",
    )
    budget_total = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=Decimal(0),
        allow_null=True,
        required=False,
        help_text="Cap on the slot's estimated provider spend over all time (same rules as `budget_daily`).",
    )


class SlotCreateInputSerializer(SlotBudgetInputSerializer):
    name = serializers.CharField(max_length=200)
    provider = serializers.CharField(max_length=50)
    operation = serializers.CharField(max_length=50)
    params = serializers.DictField(
        required=False,
        default=dict,
        help_text="Validated against the operation's schema (GET /api/providers/); defaults are filled in.",
    )
    is_active = serializers.BooleanField(required=False, default=True)
    canary = serializers.BooleanField(
        required=False, default=False, help_text="Checked with a sample photo during the event window (CANARY_*)."
    )


class SlotUpdateInputSerializer(SlotBudgetInputSerializer):
    """PUT sends every field; PATCH any of them. ``params`` always replaces the params as a whole."""

    name = serializers.CharField(max_length=200)
    provider = serializers.CharField(max_length=50)
    operation = serializers.CharField(max_length=50)
    params = serializers.DictField()
    is_active = serializers.BooleanField(help_text="false cancels the slot's pending jobs.")
    canary = serializers.BooleanField(required=False, help_text="Left as it is when not sent.")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The slot's current version, unless sent as If-Match."
    )


class SlotVersionInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The slot's current version, unless sent as If-Match."
    )


class SlotOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    provider = serializers.CharField()
    operation = serializers.CharField()
    params = serializers.DictField()
    template_media = serializers.SerializerMethodField(
        help_text="Template media ids the params refer to (derived from params)."
    )
    is_active = serializers.BooleanField()
    on_failure = serializers.CharField()
    on_failure_params = serializers.DictField()
    answer_by = serializers.FloatField(allow_null=True, help_text="null: T_SYNC_RESPONSE.")
    canary = serializers.BooleanField()
    budget_daily = serializers.DecimalField(
        max_digits=12, decimal_places=4, allow_null=True, help_text="Spend cap per UTC day; null: no cap."
    )
    budget_total = serializers.DecimalField(
        max_digits=12, decimal_places=4, allow_null=True, help_text="Spend cap over all time; null: no cap."
    )
    version = serializers.IntegerField(help_text="Send it back (If-Match or `version`) to change the slot.")
    ingest_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_template_media(self, slot: Slot) -> list[str]:
        return [str(template.id) for template in slot.template_media.all()]

    def get_ingest_url(self, slot: Slot) -> str:
        return slot_ingest_url(slot=slot)


class SlotWithSecretOutputSerializer(SlotOutputSerializer):
    """The slot plus its plaintext secret: only in the create and rotate-secret responses."""

    secret = serializers.SerializerMethodField(help_text="The booth password. Shown only in this response.")

    def get_secret(self, slot: Slot) -> str:
        return self.context["secret"]
