from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac

from media.models import TemplateMedia
from photochanger.errors import ValidationFailed
from photochanger.providers import provider_registry
from providers.registry import UnknownOperation, UnknownProvider
from providers.schema import ParamsInvalid
from slots.models import Slot, SlotTemplateMedia

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
            errors[f"params.{name}"] = [f"Unknown template media: {', '.join(missing)}."]
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _template_exists(ref: str) -> bool:
    try:
        key = uuid.UUID(ref)
    except ValueError:
        return False
    return TemplateMedia.objects.filter(id=key).exists()


def _template_links_sync(*, slot: Slot) -> None:
    op = provider_registry().operation(slot.provider, slot.operation)
    wanted = {ref for ids in op.template_ids(slot.params).values() for ref in ids}
    SlotTemplateMedia.objects.filter(slot=slot).exclude(template_media_id__in=wanted).delete()
    existing = set(
        str(ref) for ref in SlotTemplateMedia.objects.filter(slot=slot).values_list("template_media_id", flat=True)
    )
    SlotTemplateMedia.objects.bulk_create(
        SlotTemplateMedia(slot=slot, template_media_id=ref) for ref in wanted - existing
    )


@transaction.atomic
def slot_create(
    *, name: str, provider: str, operation: str, params: Mapping[str, Any], is_active: bool = True
) -> tuple[Slot, str]:
    """Create a slot; returns it with the plaintext secret, which is never stored or shown again."""
    if not name or not name.strip():
        raise ValidationFailed({"name": ["This field is required."]})
    cleaned = slot_params_validate(provider=provider, operation=operation, params=params)
    secret = _new_secret()
    slot = Slot.objects.create(
        name=name.strip(),
        provider=provider,
        operation=operation,
        params=cleaned,
        secret_hash=slot_secret_hash(secret),
        is_active=is_active,
    )
    _template_links_sync(slot=slot)
    return slot, secret
