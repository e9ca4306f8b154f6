"""The form fields and helpers behind the admin's slot forms (``console/forms.py``): one widget per
parameter type of the provider's schema, the fallback choices, and service errors put on fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext as _

from core.errors import ApplicationError, ValidationFailed
from core.provider_registry import provider_registry
from media.models import TemplateMedia
from providers.schema import Param
from slots.fallback import FALLBACK_PROVIDER, LOCAL_PREFIX, ON_FAILURE_ERROR, ON_FAILURE_ORIGINAL

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

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


def number_text(value: Any) -> Any:
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


def budget_field(*, label: StrOrPromise, help_text: StrOrPromise) -> forms.DecimalField:
    """A slot's optional budget cap, in the price table's currency (empty: no cap)."""
    return forms.DecimalField(
        required=False, min_value=0, max_digits=12, decimal_places=4, label=label, help_text=help_text
    )
