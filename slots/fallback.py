"""A slot's ``on_failure`` option: what its booth gets when the operation fails or is late.

``error`` is the specification's answer (502/504, docs/spec.md); ``original`` answers 200 with the
booth's own photo, upright; ``local:<operation>`` runs one of the local (Pillow) provider's
operations on it, with ``on_failure_params`` checked against that operation's schema. ``answer_by``
(seconds, at most T_SYNC_RESPONSE; ``None`` means T_SYNC_RESPONSE) is when the booth gets the
fallback at the latest, so an operator can set it under the booth's own timeout. Ingest serves it
(ingest/fallback.py); the job keeps its own outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

ON_FAILURE_ERROR = "error"
ON_FAILURE_ORIGINAL = "original"
LOCAL_PREFIX = "local:"
# The provider a ``local:`` fallback runs on: it needs no network and no worker.
FALLBACK_PROVIDER = "local"
# A fallback needs a moment to be made (decode, operation, encode) before it is served.
ANSWER_BY_MIN_SECONDS = 1.0


@dataclass(frozen=True)
class FallbackPolicy:
    """A slot's fallback, as ingest reads it."""

    on_failure: str
    params: Mapping[str, Any]
    answer_by: float  # seconds after the booth's request arrived

    @property
    def serves_fallback(self) -> bool:
        return self.on_failure != ON_FAILURE_ERROR

    @property
    def local_operation(self) -> str | None:
        return self.on_failure.removeprefix(LOCAL_PREFIX) if self.on_failure.startswith(LOCAL_PREFIX) else None


def slot_fallback_policy(*, on_failure: str, params: Mapping[str, Any], answer_by: float | None) -> FallbackPolicy:
    """The policy of a stored slot; an ``answer_by`` above a since-lowered T_SYNC_RESPONSE is cut to it."""
    limit = float(settings.T_SYNC_RESPONSE)
    return FallbackPolicy(on_failure, dict(params), limit if answer_by is None else min(answer_by, limit))


def _choices_text() -> str:
    from core.provider_registry import provider_registry

    local = provider_registry().provider(FALLBACK_PROVIDER).operations
    return ", ".join([ON_FAILURE_ERROR, ON_FAILURE_ORIGINAL, *(LOCAL_PREFIX + name for name in local)])


def slot_fallback_validate(*, on_failure: Any, params: Any, answer_by: Any) -> tuple[str, dict[str, Any], float | None]:
    """The option cleaned: (on_failure, on_failure_params with defaults filled in, answer_by).

    Raises ``ValidationFailed`` with messages on ``on_failure``, ``on_failure_params[.<name>]`` and
    ``answer_by``, in plain words (the accepted values, the bounds)."""
    from slots.services import slot_params_validate  # the slot's own params go through it too

    errors: dict[str, list[str]] = {}
    cleaned_params: dict[str, Any] = {}
    if on_failure in (None, ""):
        on_failure = ON_FAILURE_ERROR
    if not isinstance(on_failure, str):
        errors["on_failure"] = [_("Must be one of: %(choices)s.") % {"choices": _choices_text()}]
    elif on_failure.startswith(LOCAL_PREFIX):
        try:
            cleaned_params = slot_params_validate(
                provider=FALLBACK_PROVIDER,
                operation=on_failure.removeprefix(LOCAL_PREFIX),
                params=params if isinstance(params, Mapping) else {},
            )
        except ValidationFailed as exc:
            for key, messages in exc.fields.items():
                if key == "operation":
                    errors["on_failure"] = [_not_a_fallback(on_failure)]
                else:
                    errors[key.replace("params", "on_failure_params", 1)] = messages
        if not isinstance(params, Mapping | None):
            errors["on_failure_params"] = [_("Must be an object of the operation's parameters.")]
    elif on_failure not in (ON_FAILURE_ERROR, ON_FAILURE_ORIGINAL):
        errors["on_failure"] = [_not_a_fallback(on_failure)]
    elif params:
        errors["on_failure_params"] = [
            _("Only a local operation takes parameters, not %(value)s.") % {"value": repr(on_failure)}
        ]
    cleaned_answer_by = _answer_by_clean(answer_by, on_failure, errors)
    if errors:
        raise ValidationFailed(errors)
    return on_failure, cleaned_params, cleaned_answer_by


def _not_a_fallback(on_failure: str) -> str:
    return _("%(value)s is not a fallback; use one of: %(choices)s.") % {
        "value": repr(on_failure),
        "choices": _choices_text(),
    }


def _answer_by_clean(answer_by: Any, on_failure: Any, errors: dict[str, list[str]]) -> float | None:
    if answer_by in (None, ""):
        return None
    limit = float(settings.T_SYNC_RESPONSE)
    try:
        value = float(answer_by)
    except (TypeError, ValueError):
        errors["answer_by"] = [_("Must be a number of seconds.")]
        return None
    if isinstance(answer_by, bool) or not ANSWER_BY_MIN_SECONDS <= value <= limit:
        errors["answer_by"] = [
            _("Must be between %(min)s and %(max)s seconds (T_SYNC_RESPONSE); set it under the booth's own timeout.")
            % {"min": f"{ANSWER_BY_MIN_SECONDS:g}", "max": f"{limit:g}"}
        ]
        return None
    if on_failure == ON_FAILURE_ERROR:
        errors["answer_by"] = [_("Only applies with a fallback: set on_failure to original or a local operation.")]
        return None
    return value
