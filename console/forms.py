"""Admin-site forms for slots: a form built from the chosen operation's parameter schema, and the
test-run upload form.

Validation is the API's: ``slots.services.slot_params_validate`` checks the parameters, and its
messages land on the matching form fields (``params.<name>`` on ``param_<name>``). The Django fields
of the parameters therefore validate nothing themselves; they only render the right widget
(text area, select, number input with bounds, template media picker). ``slot_form.js`` renders the
same widgets in the browser when the operation changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.form_fields import (
    PARAM_PREFIX,
    BlankJSONField,
    budget_field,
    fallback_choices,
    form_errors_from_service,
    number_text,
    param_field,
    template_media_choices,
)
from core.errors import ValidationFailed
from core.provider_registry import provider_registry
from providers.registry import UnknownOperation, UnknownProvider
from providers.schema import Operation
from slots.budget import slot_budget_validate
from slots.fallback import slot_fallback_validate
from slots.models import Slot
from slots.services import slot_params_validate


class SlotAdminForm(forms.ModelForm):
    provider = forms.CharField(
        widget=forms.Select, label=gettext_lazy("Provider"), help_text=gettext_lazy("Where the photo is processed.")
    )
    operation = forms.CharField(
        widget=forms.Select, label=gettext_lazy("Operation"), help_text=gettext_lazy("What is done to the photo.")
    )
    # The version the page was rendered from: a save over someone else's newer change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Which operation the parameter fields on the page belong to ("provider:operation").
    params_for = forms.CharField(widget=forms.HiddenInput, required=False)
    on_failure = forms.CharField(
        widget=forms.Select,
        required=False,
        label=gettext_lazy("When it fails"),
        help_text=gettext_lazy(
            "What the booth prints when the operation fails or is late: an error (no print), the "
            "original photo, or a local operation on it (e.g. a frame)."
        ),
    )
    on_failure_params = BlankJSONField(
        required=False,
        label=gettext_lazy("Fallback parameters"),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60, "placeholder": '{"frame": "template media id"}'}),
        help_text=gettext_lazy(
            'For a local fallback, its parameters as JSON, e.g. {"strength": 0.8} for sepia or '
            '{"frame": "template media id"} for a frame overlay; empty for its defaults.'
        ),
    )
    answer_by = forms.FloatField(
        required=False,
        label=gettext_lazy("Answer by (seconds)"),
        help_text=gettext_lazy(
            "The booth gets the fallback by then at the latest; set it under the booth's own timeout "
            "(empty: T_SYNC_RESPONSE)."
        ),
    )

    budget_daily = budget_field(
        label=gettext_lazy("Budget per day"),
        help_text=gettext_lazy(
            "Cap on the estimated AI spend of booth photos per UTC day, in the price table's currency "
            "(PROVIDER_PRICES_CURRENCY); empty: no cap. At the cap booths get the fallback print (or 402). "
            "Test runs and checks are not charged."
        ),
    )
    budget_total = budget_field(
        label=gettext_lazy("Budget in total"),
        help_text=gettext_lazy(
            "Cap on the estimated AI spend of booth photos over all time; empty: no cap. Raising it works at once."
        ),
    )

    class Meta:
        model = Slot
        fields = [
            "name",
            "provider",
            "operation",
            "is_active",
            "canary",
            "on_failure",
            "on_failure_params",
            "answer_by",
            "budget_daily",
            "budget_total",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        providers = list(provider_registry())
        self.fields["provider"].widget.choices = [(p.name, p.label) for p in providers]
        provider, operation = self._chosen(providers)
        known = next((p for p in providers if p.name == provider), None)
        operations = known.operations.values() if known else ()
        self.fields["operation"].widget.choices = [(op.name, op.label) for op in operations]
        # Not self.operation: that name is the form field (the metaclass moves it to base_fields).
        self.chosen_operation = self._operation(provider, operation)
        templates = template_media_choices()
        self.is_new = self.instance._state.adding  # a new Slot already has its random pk
        same = not self.is_new and (self.instance.provider, self.instance.operation) == (provider, operation)
        current = self.instance.params if same else {}
        self.param_schemas: list[dict[str, Any]] = []
        for param in self.chosen_operation.params if self.chosen_operation else ():
            name = PARAM_PREFIX + param.name
            self.fields[name] = param_field(param, templates=templates)
            value = current.get(param.name, param.default)
            self.initial[name] = value if param.type in ("boolean", "template_media_list") else number_text(value)
            self.param_schemas.append(param.describe())
        self.initial["params_for"] = f"{provider}:{operation}"
        self.fields["on_failure"].widget.choices = fallback_choices()
        if not self.is_new:
            self.initial["version"] = self.instance.version

    def _chosen(self, providers: list) -> tuple[str, str]:
        if self.is_bound:
            return (self.data.get(self.add_prefix("provider")) or "", self.data.get(self.add_prefix("operation")) or "")
        provider = self.initial.get("provider") or (providers[0].name if providers else "")
        operation = self.initial.get("operation") or ""
        if not operation:
            known = next((p for p in providers if p.name == provider), None)
            operation = next(iter(known.operations), "") if known else ""
        self.initial.update(provider=provider, operation=operation)
        return provider, operation

    @staticmethod
    def _operation(provider: str, operation: str) -> Operation | None:
        try:
            return provider_registry().operation(provider, operation)
        except (UnknownProvider, UnknownOperation):
            return None

    @property
    def operation_help(self) -> str:
        return self.chosen_operation.help if self.chosen_operation else ""

    def param_rows(self) -> Iterable[tuple[forms.BoundField, dict[str, Any]]]:
        """(bound field, schema description) per parameter, for the template."""
        return [(self[PARAM_PREFIX + schema["name"]], schema) for schema in self.param_schemas]

    def raw_params(self) -> dict[str, Any]:
        """The parameters as the API would receive them: empty fields left out (defaults apply)."""
        params: dict[str, Any] = {}
        for param in self.chosen_operation.params if self.chosen_operation else ():
            value = self.cleaned_data.get(PARAM_PREFIX + param.name)
            if param.type == "boolean":
                params[param.name] = bool(value)
            elif value not in (None, "", []):
                params[param.name] = value
        return params

    def clean(self) -> dict[str, Any]:
        super().clean()  # a ModelForm's clean returns its cleaned_data
        data = self.cleaned_data
        provider, operation = data.get("provider"), data.get("operation")
        if provider is not None and operation is not None:
            try:
                data["params"] = slot_params_validate(provider=provider, operation=operation, params=self.raw_params())
            except ValidationFailed as exc:
                form_errors_from_service(self, exc)
            if self.chosen_operation is not None and data.get("params_for") != f"{provider}:{operation}":
                # Without JavaScript the page still shows the previous operation's parameters.
                self.add_error(None, _("The operation changed: check its parameters below, then save again."))
        try:
            data["on_failure"], data["on_failure_params"], data["answer_by"] = slot_fallback_validate(
                on_failure=data.get("on_failure"), params=data.get("on_failure_params"), answer_by=data.get("answer_by")
            )
        except ValidationFailed as exc:
            form_errors_from_service(self, exc)
        try:
            data["budget_daily"], data["budget_total"] = slot_budget_validate(
                budget_daily=data.get("budget_daily"), budget_total=data.get("budget_total")
            )
        except ValidationFailed as exc:
            form_errors_from_service(self, exc)
        if not self.is_new:
            self._version_check(data.get("version"))
        return data

    def _version_check(self, version: int | None) -> None:
        current = Slot.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
        if version != current:
            self.add_error(
                None,
                _(
                    "Someone changed this slot since this page was opened (it is now at version %(version)s); "
                    "reload the page and make your change again."
                )
                % {"version": current},
            )


class SlotTestRunForm(forms.Form):
    photo = forms.FileField(
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,image/avif"}
        ),
        label=gettext_lazy("Photo"),
        help_text=gettext_lazy("A JPEG, PNG, WebP, HEIC or AVIF photo, as a booth would send it."),
    )
    booth_fields = forms.CharField(
        required=False,
        label=gettext_lazy("Booth fields"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "placeholder": "name=Alice"}),
        help_text=gettext_lazy(
            "Optional, one per line as name=value: the form fields a booth would send "
            "(they fill {placeholders} in prompts)."
        ),
    )

    def clean_booth_fields(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["booth_fields"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise forms.ValidationError(_("Line %(number)d: write each field as name=value.") % {"number": number})
            fields[name.strip()] = value.strip()
        return fields
