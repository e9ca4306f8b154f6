from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from core.errors import ApplicationError, Conflict, ValidationFailed
from core.ids import uuid_or_none
from core.provider_registry import provider_registry
from media.models import TemplateMedia
from providers.registry import UnknownOperation, UnknownProvider
from providers.schema import ParamsInvalid
from slots.budget import BUDGET_FIELDS, slot_budget_validate
from slots.fallback import LOCAL_PREFIX, slot_fallback_validate
from slots.models import Slot, SlotTemplateMedia
from slots.signals import slot_withdrawn

SECRET_SALT = "photochanger.slots.ingest-secret"  # noqa: S105 (an HMAC salt, not a secret)


def slot_secret_hash(secret: str) -> str:
    # The secret is a server-generated 192-bit random token, so a fast keyed hash is as strong as
    # a slow password hash here, and costs microseconds instead of 100 ms per booth photo.
    return salted_hmac(SECRET_SALT, secret, algorithm="sha256").hexdigest()


def slot_secret_matches(*, slot: Slot, secret: str) -> bool:
    return hmac.compare_digest(slot_secret_hash(secret), slot.secret_hash)


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


def slot_ingest_url(*, slot: Slot) -> str:
    return f"{settings.PUBLIC_BASE_URL}/ingest/{slot.id}"


def slot_params_validate(*, provider: str, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate params against the operation's schema and check template references exist.

    Raises ``ValidationFailed`` with per-field messages (``params.<name>`` for parameters).
    """
    registry = provider_registry()
    try:
        op = registry.operation(provider, operation)
    except UnknownProvider as exc:
        raise ValidationFailed({"provider": [str(exc)]}) from exc
    except UnknownOperation as exc:
        raise ValidationFailed({"operation": [str(exc)]}) from exc
    try:
        cleaned = op.validate(params)
    except ParamsInvalid as exc:
        raise ValidationFailed({f"params.{name}": msgs for name, msgs in exc.fields.items()}) from exc
    errors: dict[str, list[str]] = {}
    for name, ids in op.template_ids(cleaned).items():
        missing = [ref for ref in ids if not _template_exists(ref)]
        if missing:
            errors[f"params.{name}"] = [_("Unknown template media: %(ids)s.") % {"ids": ", ".join(missing)}]
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _template_exists(ref: str) -> bool:
    key = uuid_or_none(ref)
    return key is not None and TemplateMedia.objects.filter(id=key).exists()


def _template_links_sync(*, slot: Slot) -> None:
    registry = provider_registry()
    op = registry.operation(slot.provider, slot.operation)
    wanted = {ref for ids in op.template_ids(slot.params).values() for ref in ids}
    if slot.on_failure.startswith(LOCAL_PREFIX):  # a fallback frame is in use too (PROTECT)
        fallback = registry.operation("local", slot.on_failure.removeprefix(LOCAL_PREFIX))
        wanted |= {ref for ids in fallback.template_ids(slot.on_failure_params).values() for ref in ids}
    # UUID strings, as Django takes them; the stub's __in type for a foreign key wants UUID objects.
    SlotTemplateMedia.objects.filter(slot=slot).exclude(template_media_id__in=wanted).delete()  # type: ignore[misc]
    existing = set(
        str(ref) for ref in SlotTemplateMedia.objects.filter(slot=slot).values_list("template_media_id", flat=True)
    )
    SlotTemplateMedia.objects.bulk_create(
        SlotTemplateMedia(slot=slot, template_media_id=ref) for ref in wanted - existing
    )


def _name_clean(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed({"name": [_("This field is required.")]})
    return name.strip()


@transaction.atomic
def slot_create(
    *,
    name: str,
    provider: str,
    operation: str,
    params: Mapping[str, Any],
    is_active: bool = True,
    on_failure: str = "error",
    on_failure_params: Mapping[str, Any] | None = None,
    answer_by: float | None = None,
    canary: bool = False,
    budget_daily: Any = None,
    budget_total: Any = None,
) -> tuple[Slot, str]:
    """Create a slot; returns it with the plaintext secret, which is never stored or shown again.
    ``on_failure``, ``on_failure_params``, ``answer_by``: the fallback (slots/fallback.py);
    ``budget_daily``, ``budget_total``: its spend caps (slots/budget.py)."""
    name = _name_clean(name)
    cleaned = slot_params_validate(provider=provider, operation=operation, params=params)
    fallback, fallback_params, answer_by = slot_fallback_validate(
        on_failure=on_failure, params=on_failure_params or {}, answer_by=answer_by
    )
    budget_daily, budget_total = slot_budget_validate(budget_daily=budget_daily, budget_total=budget_total)
    secret = _new_secret()
    slot = Slot.objects.create(
        name=name,
        provider=provider,
        operation=operation,
        params=cleaned,
        secret_hash=slot_secret_hash(secret),
        is_active=is_active,
        on_failure=fallback,
        on_failure_params=fallback_params,
        answer_by=answer_by,
        canary=canary,
        budget_daily=budget_daily,
        budget_total=budget_total,
    )
    _template_links_sync(slot=slot)
    return slot, secret


FALLBACK_FIELDS = frozenset({"on_failure", "on_failure_params", "answer_by"})
UPDATABLE_FIELDS = (
    frozenset({"name", "provider", "operation", "params", "is_active", "canary"}) | FALLBACK_FIELDS | set(BUDGET_FIELDS)
)
# Changing any of these changes what the params mean, so the params are validated again.
OPERATION_FIELDS = frozenset({"provider", "operation", "params"})
# These change which template media the slot uses.
TEMPLATE_FIELDS = OPERATION_FIELDS | FALLBACK_FIELDS


def _version_claim(*, slot: Slot, version: int, **changes: Any) -> None:
    """Apply ``changes`` and bump the version in one conditional UPDATE, if ``version`` is current.

    Of two writers holding the same version exactly one matches the row; the other waits on the
    row lock, finds the version moved on and gets 409 with the version it should re-read.
    """
    won = Slot.objects.filter(id=slot.id, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if won:
        return
    current = Slot.objects.filter(id=slot.id).values_list("version", flat=True).first()
    if current is None:
        raise ApplicationError(_("No slot has this id."), code="not_found", status=404)
    raise Conflict(
        _("Version %(version)s is not the slot's current version (%(current)s); reload the slot and retry.")
        % {"version": version, "current": current},
        code="version_conflict",
        extra={"current_version": current},
    )


def slot_update(*, slot: Slot, version: int, data: Mapping[str, Any]) -> Slot:
    """Change a slot if ``version`` is still its version; the version goes up by one.

    ``data`` holds any of ``UPDATABLE_FIELDS``; ``params`` replaces the params as a whole. A slot
    that ends up inactive has its pending jobs cancelled.
    """
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"slot_update() cannot change {', '.join(sorted(unknown))}")
    changes = dict(data)
    if "name" in changes:
        changes["name"] = _name_clean(changes["name"])
    if OPERATION_FIELDS & changes.keys():
        changes["provider"] = changes.get("provider", slot.provider)
        changes["operation"] = changes.get("operation", slot.operation)
        changes["params"] = slot_params_validate(
            provider=changes["provider"],
            operation=changes["operation"],
            params=changes.get("params", slot.params),
        )
    if FALLBACK_FIELDS & changes.keys():
        # Validated together: answer_by means nothing without a fallback, the params need their operation.
        fallback = changes.get("on_failure", slot.on_failure)
        changes["on_failure"], changes["on_failure_params"], changes["answer_by"] = slot_fallback_validate(
            on_failure=fallback,
            params=changes.get("on_failure_params", slot.on_failure_params if fallback == slot.on_failure else {}),
            answer_by=changes.get("answer_by", slot.answer_by if fallback != "error" else None),
        )
    if set(BUDGET_FIELDS) & changes.keys():
        # A raised cap holds from the next paid call on: stats.budget reads it under the slot's lock.
        changes["budget_daily"], changes["budget_total"] = slot_budget_validate(
            budget_daily=changes.get("budget_daily", slot.budget_daily),
            budget_total=changes.get("budget_total", slot.budget_total),
        )
    with transaction.atomic():
        _version_claim(slot=slot, version=version, **changes)
        slot.refresh_from_db()
        if TEMPLATE_FIELDS & changes.keys():
            _template_links_sync(slot=slot)
    if not slot.is_active:
        # Also on edits of an already inactive slot: a booth request that read the slot just
        # before it was deactivated may have queued a job after the first sweep.
        slot_withdrawn.send(sender=Slot, slot=slot)
    return slot


@transaction.atomic  # the row stays locked until it is read back, so a concurrent delete waits
def slot_secret_rotate(*, slot: Slot, version: int) -> tuple[Slot, str]:
    """Give the slot a new secret if ``version`` is current; the old one stops working at once."""
    secret = _new_secret()
    _version_claim(slot=slot, version=version, secret_hash=slot_secret_hash(secret))
    slot.refresh_from_db()
    return slot, secret


def slot_delete(*, slot: Slot) -> None:
    """Cancel the slot's pending jobs, then delete it; its jobs stay in the history without a slot."""
    slot_withdrawn.send(sender=Slot, slot=slot)
    slot.delete()
