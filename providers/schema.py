"""Operation parameter schemas: one declaration serves the API, the admin form and the worker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

ParamType = Literal["string", "text", "integer", "number", "boolean", "enum", "template_media", "template_media_list"]
# Numbers beyond what every JSON reader holds exactly (a double's integers) are refused even for a
# parameter declared without bounds.
SAFE_MAGNITUDE = 2**53


class ParamsInvalid(Exception):
    """Parameter validation failed; ``fields`` maps a parameter name to its messages."""

    def __init__(self, fields: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
        self.fields = dict(fields)


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    label: str = ""
    help: str = ""
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    max_items: int | None = None

    def describe(self) -> dict[str, Any]:
        """JSON description for clients that render a form from it."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "label": self.label or self.name.replace("_", " ").capitalize(),
            "help": self.help,
            "required": self.required,
            "default": self.default,
        }
        for key in ("minimum", "maximum", "min_length", "max_length", "max_items"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.choices:
            out["choices"] = list(self.choices)
        return out

    def clean(self, value: Any) -> Any:
        """Return the value in its canonical type, or raise ``ValueError`` with a message."""
        cleaner = getattr(self, f"_clean_{self.type}")
        return cleaner(value)

    def _clean_string(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("Must be a string.")
        # PostgreSQL cannot store either in a JSON document: refused here, not as a database error.
        if "\x00" in value:
            raise ValueError("Must not contain NUL characters.")
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            raise ValueError("Must be valid Unicode text (no lone surrogates).")
        text = value.strip()
        if self.min_length is not None and len(text) < self.min_length:
            raise ValueError(f"Must be at least {self.min_length} characters.")
        if self.max_length is not None and len(text) > self.max_length:
            raise ValueError(f"Must be at most {self.max_length} characters.")
        return text

    _clean_text = _clean_string

    def _decimal(self, value: Any, message: str) -> Decimal:
        """The value as an exact, finite, in-bounds decimal. Parsed exactly (never through
        ``float``, which overflows on a 400-digit integer and rounds past 2**53) and compared
        with the bounds before anything is built from it, so no size of input is expensive."""
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(message)
        try:
            number = Decimal(value)
        except (InvalidOperation, ValueError):
            raise ValueError(message) from None
        if not number.is_finite():
            raise ValueError("Must be a finite number.")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"Must be at least {self.minimum}.")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"Must be at most {self.maximum}.")
        if not -SAFE_MAGNITUDE <= number <= SAFE_MAGNITUDE:
            raise ValueError(f"Must be between {-SAFE_MAGNITUDE} and {SAFE_MAGNITUDE}.")
        return number

    def _clean_integer(self, value: Any) -> int:
        number = self._decimal(value, "Must be a whole number.")
        if number != number.to_integral_value():
            raise ValueError("Must be a whole number.")
        return int(number)

    def _clean_number(self, value: Any) -> float:
        return float(self._decimal(value, "Must be a number."))

    def _clean_boolean(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "0", "no", "off"):
            return False
        raise ValueError("Must be true or false.")

    def _clean_enum(self, value: Any) -> str:
        if value not in self.choices:
            raise ValueError(f"Must be one of: {', '.join(self.choices)}.")
        return str(value)

    def _clean_template_media(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("Must be a template media id.")
        return value.strip()

    def _clean_template_media_list(self, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not value:
            raise ValueError("Must be a non-empty list of template media ids.")
        if self.max_items is not None and len(value) > self.max_items:
            raise ValueError(f"At most {self.max_items} items.")
        return [self._clean_template_media(item) for item in value]


@dataclass(frozen=True)
class Operation:
    name: str
    label: str
    params: tuple[Param, ...] = ()
    help: str = ""
    # Extra checks across parameters (e.g. prompt placeholders); each returns field errors.
    validators: tuple[Any, ...] = field(default=(), compare=False)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "help": self.help,
            "params": [param.describe() for param in self.params],
        }

    def validate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return the cleaned parameters with defaults filled in, or raise ``ParamsInvalid``."""
        if not isinstance(params, Mapping):
            raise ParamsInvalid({"params": ["Must be an object."]})
        known = {param.name: param for param in self.params}
        errors: dict[str, list[str]] = {name: ["Unknown parameter."] for name in params if name not in known}
        cleaned: dict[str, Any] = {}
        for param in self.params:
            value = params.get(param.name)
            if value is None or value == "":
                if param.required:
                    errors[param.name] = ["This parameter is required."]
                elif param.default is not None:
                    cleaned[param.name] = param.default
                continue
            try:
                cleaned[param.name] = param.clean(value)
            except ValueError as exc:
                errors[param.name] = [str(exc)]
        if not errors:
            for validator in self.validators:
                errors.update(validator(cleaned))
        if errors:
            raise ParamsInvalid(errors)
        return cleaned

    def template_ids(self, params: Mapping[str, Any]) -> dict[str, list[str]]:
        """Template media ids referenced by (cleaned) params, by parameter name, in order."""
        refs: dict[str, list[str]] = {}
        for param in self.params:
            value = params.get(param.name)
            if param.type == "template_media" and value:
                refs[param.name] = [value]
            elif param.type == "template_media_list" and value:
                refs[param.name] = list(value)
        return refs


OUTPUT_PARAMS = (
    Param(
        "output_format",
        "enum",
        label="Output format",
        choices=("jpeg", "png", "webp"),
        default="jpeg",
    ),
    Param("quality", "integer", label="Quality", default=90, minimum=1, maximum=100),
)
