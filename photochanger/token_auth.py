"""Bearer JWT authentication that also refuses access tokens issued before their user was last
deactivated: the user being active again does not bring them back.

Kept apart from ``photochanger.auth``: DRF imports the authentication classes named in its
settings while ``rest_framework.views`` is still loading, and ``photochanger.auth`` imports views.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import timedelta
from functools import cache

import redis
from django.conf import settings
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from core.redis_clients import redis_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "photochanger:deactivated-users"


@cache
def _redis() -> redis.Redis:
    return redis_client(settings.REDIS_URL, timeout=1.0)


def _key(user_id: object) -> str:
    return f"{KEY_PREFIX}:{user_id}"


def _access_token_horizon() -> int:
    """Seconds an access token issued now may still be accepted: past that, no token issued
    before a deactivation is left to refuse, so the record can go."""
    leeway = api_settings.LEEWAY
    leeway = leeway.total_seconds() if isinstance(leeway, timedelta) else float(leeway or 0)
    return math.ceil(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds() + leeway) + 1


def user_deactivation_record(*, user_id: object) -> None:
    """Called when a user is deactivated (refresh tokens are blacklisted separately)."""
    _redis().set(_key(user_id), repr(time.time()), ex=_access_token_horizon())


def user_deactivated_at(*, user_id: object) -> float | None:
    """When the user was last deactivated, if an access token from before may still be live."""
    value = _redis().get(_key(user_id))
    return float(value) if value is not None else None


class RevocableJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Token):
        user = super().get_user(validated_token)  # gone, inactive or password changed: refused
        try:
            deactivated_at = user_deactivated_at(user_id=user.pk)
        except redis.RedisError as exc:
            # Only a user reactivated within one access-token lifetime is concerned: refusing
            # every API request while Redis is away would cost far more.
            logger.error("deactivation record unreadable, token accepted: %s", exc)
            return user
        issued_at = validated_token.get("iat")
        # ``iat`` is in whole seconds: a token from the second of the deactivation is refused too.
        if deactivated_at is not None and (not isinstance(issued_at, int | float) or issued_at < deactivated_at):
            raise InvalidToken("The token was issued before its user was deactivated.", code="token_revoked")
        return user
