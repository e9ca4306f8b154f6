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

from core.errors import ApplicationError, ValidationFailed
from core.provider_registry import provider_registry
from media.models import TemplateMedia
from providers.registry import UnknownOperation, UnknownProvider
from providers.schema import Operation, Param
from slots.budget import slot_budget_validate
from slots.fallback import (
    FALLBACK_PROVIDER,
    LOCAL_PREFIX,
    ON_FAILURE_ERROR,
    ON_FAILURE_ORIGINAL,
    slot_fallback_validate,
)
from slots.models import Slot
from slots.services import slot_params_validate

PARAM_PREFIX = "param_"
BLANK_CHOICE = ("", "---------")


class StringListField(forms.Field):
    """The values of a multiple select, as strings; checking them is the service's job."""

    widget = forms.SelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        return [str(item) for item in values if str(item).strip()]


def template_media_choices() -> list[tuple[str, str]]:
    return [
        (str(pk), f"{name} ({width}×{height})")
        for pk, name, width, height in TemplateMedia.objects.order_by("name", "id").values_list(
            "id", "name", "width", "height"
        )
    ]


def _number_text(value: Any) -> Any:
    return "" if value is None else value


def param_field(param: Param, *, templates: list[tuple[str, str]]) -> forms.Field:
    """The form field for one schema parameter. Never required at the form level: a missing
    required parameter gets the service's message, like in the API."""
    described = param.describe()
    common: dict[str, Any] = {"required": False, "label": described["label"], "help_text": param.help}
    if param.type == "text":
        widget = forms.Textarea(attrs={"rows": 5, "cols": 80, "class": "vLargeTextField"})
        return forms.CharField(strip=False, widget=widget, **common)
    if param.type == "string":
        return forms.CharField(strip=False, widget=forms.TextInput(attrs={"class": "vTextField"}), **common)
    if param.type in ("integer", "number"):
        attrs: dict[str, Any] = {"step": "1" if param.type == "integer" else "any", "class": "vIntegerField"}
        if param.minimum is not None:
            attrs["min"] = param.minimum
        if param.maximum is not None:
            attrs["max"] = param.maximum
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    if param.type == "boolean":
        return forms.BooleanField(**common)
    if param.type == "enum":
        blank = [BLANK_CHOICE] if not param.required and param.default is None else []
        return forms.CharField(widget=forms.Select(choices=[*blank, *((c, c) for c in param.choices)]), **common)
    if param.type == "template_media":
        return forms.CharField(widget=forms.Select(choices=[BLANK_CHOICE, *templates]), **common)
    if param.type == "template_media_list":
        size = min(max(len(templates), 2), 8)
        return StringListField(widget=forms.SelectMultiple(choices=templates, attrs={"size": size}), **common)
    raise ValueError(f"no form field for parameter type {param.type!r}")


def _service_field(key: str) -> str | None:
    if key.startswith("on_failure_params."):
        return "on_failure_params"
    if key.startswith("params."):
        return PARAM_PREFIX + key.removeprefix("params.")
    return None if key == "params" else key


def form_errors_from_service(form: forms.BaseForm, exc: ApplicationError, *, default_field: str | None = None) -> None:
    """Put a service error on the form: per-field messages on their fields, anything else on top."""
    fields = exc.fields if isinstance(exc, ValidationFailed) else {}
    if not fields:
        form.add_error(default_field, exc.message)
        return
    for key, messages in fields.items():
        name = _service_field(key)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message if target else f"{key}: {message}")


class BlankJSONField(forms.JSONField):
    """A JSON text area that shows nothing (not "null") for no value, and takes nothing as {}."""

    def prepare_value(self, value: Any) -> Any:
        return "" if value in (None, {}, "null") else super().prepare_value(value)

    def to_python(self, value: Any) -> Any:
        return {} if value in (None, "") else super().to_python(value)


def fallback_choices() -> list[tuple[str, str]]:
    local = provider_registry().provider(FALLBACK_PROVIDER).operations.values()
    return [
        (ON_FAILURE_ERROR, _("Error: no print (502/504)")),
        (ON_FAILURE_ORIGINAL, _("The original photo")),
        *((LOCAL_PREFIX + op.name, _("Local: %(operation)s") % {"operation": op.label}) for op in local),
    ]


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

    budget_daily = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=4,
        label=gettext_lazy("Budget per day"),
        help_text=gettext_lazy(
            "Cap on the estimated AI spend of booth photos per UTC day, in the price table's currency "
            "(PROVIDER_PRICES_CURRENCY); empty: no cap. At the cap booths get the fallback print (or 402). "
            "Test runs and checks are not charged."
        ),
    )
    budget_total = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=4,
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
            self.initial[name] = value if param.type in ("boolean", "template_media_list") else _number_text(value)
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
