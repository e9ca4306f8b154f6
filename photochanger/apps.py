"""The project's own app: signal receivers that guard the admin accounts (failed logins counted,
a deactivated user's tokens revoked)."""

from __future__ import annotations

import logging

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import pre_save

logger = logging.getLogger(__name__)


def _revoke_tokens_on_deactivation(sender, instance, raw: bool = False, **kwargs) -> None:
    """A deactivated user's refresh tokens are blacklisted and the moment is recorded (access
    tokens issued before it are refused), so reactivating the account later brings back no token
    (while inactive, every token is refused anyway). ``QuerySet.update()`` sends no signal: users
    are deactivated in the admin site or with ``save()``."""
    if raw or instance.pk is None or instance.is_active:
        return
    import redis

    from photochanger.auth import user_tokens_revoke
    from photochanger.token_auth import user_deactivation_record

    was_active = sender.objects.filter(pk=instance.pk, is_active=True).exists()
    if not was_active:
        return
    try:
        user_deactivation_record(user_id=instance.pk)
    except redis.RedisError as exc:
        # The deactivation itself must go through; only a quick reactivation is left open.
        logger.error("deactivation of user %s not recorded, access tokens not revoked: %s", instance.pk, exc)
    user_tokens_revoke(user=instance)


class PhotoChangerConfig(AppConfig):
    name = "photochanger"
    verbose_name = "PhotoChanger"

    def ready(self) -> None:
        from photochanger.login_throttle import record_failed_login, record_successful_login

        user_login_failed.connect(record_failed_login, dispatch_uid="photochanger-count-failed-logins")
        user_logged_in.connect(record_successful_login, dispatch_uid="photochanger-known-login-addresses")
        pre_save.connect(
            _revoke_tokens_on_deactivation, sender=settings.AUTH_USER_MODEL, dispatch_uid="photochanger-revoke-tokens"
        )
