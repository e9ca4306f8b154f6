"""JWTs with a ``scope`` claim derived from the user's Django permissions (or groups)."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from core.api import SCOPES
from core.api_schema import error
from photochanger.login_throttle import login_attempt, record_successful_login

# Each scope and the one Django permission that grants it (give them to users or to groups); a
# scope allows what its permission allows in the admin site, no more.
SCOPE_PERMISSIONS = {
    "slots:read": "slots.view_slot",
    "slots:create": "slots.add_slot",
    "slots:write": "slots.change_slot",
    "slots:delete": "slots.delete_slot",
    "media:read": "media.view_templatemedia",
    "media:write": "media.add_templatemedia",
    "media:delete": "media.delete_templatemedia",
    "media:register": "media.add_mediaobject",  # temporary files behind public links
    "jobs:read": "jobs.view_job",
    "jobs:write": "jobs.change_job",
    "results:share": "jobs.change_result",  # public links to a result: create and revoke
    "stats:read": "stats.view_providercall",
}
assert set(SCOPE_PERMISSIONS) == set(SCOPES)


def user_scopes(user) -> list[str]:
    if not user.is_active:
        return []
    if user.is_superuser:
        return list(SCOPES)
    return [scope for scope, perm in SCOPE_PERMISSIONS.items() if user.has_perm(perm)]


class ScopedTokenObtainPairSerializer(TokenObtainPairSerializer):
    def validate(self, attrs):
        data = super().validate(attrs)
        request = self.context.get("request")
        if request is not None:
            record_successful_login(sender=None, request=request, user=self.user)
        return data

    @classmethod
    def get_token(cls, user) -> Token:
        token = super().get_token(user)
        token["scope"] = " ".join(user_scopes(user))
        return token


class ScopedTokenRefreshSerializer(TokenRefreshSerializer):
    """One refresh per refresh token: it answers a new refresh token and an access token with the
    user's scopes as they are now, and is blacklisted. Refused once the user is gone, inactive or
    has changed password since the login."""

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])  # signature, expiry and blacklist
        user_id = refresh.get(api_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not user.is_active:
            raise InvalidToken("The token's user no longer exists or is inactive.")
        if refresh.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise InvalidToken("The user's password has changed since this token was issued.")
        # The blacklist row is unique per token: of two refreshes racing with one token, one wins.
        _, first_use = refresh.blacklist()
        if not first_use:
            raise InvalidToken("This refresh token was already used.")
        access = refresh.access_token
        access["scope"] = " ".join(user_scopes(user))
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh.outstand()
        return {"access": str(access), "refresh": str(refresh)}


def user_tokens_revoke(*, user) -> int:
    """Blacklist every refresh token of the user that is not blacklisted yet; how many were."""
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(revoked)


_TOKEN_ERRORS = {
    401: error("Wrong credentials, or an invalid, expired, used or revoked refresh token."),
    422: error("A required field is missing."),
}


_LOGIN_ERRORS = {
    **_TOKEN_ERRORS,
    429: error("`too_many_failed_logins` from this address or for this username; wait `Retry-After` seconds."),
    503: error(
        "`login_unavailable`: the failed-login counters cannot be read (Redis); `login_busy`: the server "
        "checks as many passwords as it may at once. Retry after `Retry-After` seconds."
    ),
}


@extend_schema_view(post=extend_schema(responses={200: TokenObtainPairSerializer, **_LOGIN_ERRORS}))
class TokenObtainView(TokenObtainPairView):
    """Log in with a username and password; the access token carries the user's scopes."""

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = request.data
        with login_attempt(request=request, username=data.get("username") if isinstance(data, Mapping) else None):
            return super().post(request, *args, **kwargs)


@extend_schema_view(post=extend_schema(responses={200: TokenRefreshSerializer, **_TOKEN_ERRORS}))
class TokenRefreshScopedView(TokenRefreshView):
    """Trade a refresh token for a new pair: the access token has the user's current scopes, and
    the refresh token sent is revoked."""


@extend_schema_view(post=extend_schema(responses={200: None, **_TOKEN_ERRORS}))
class TokenLogoutView(TokenBlacklistView):
    """Log out: the refresh token is revoked (access tokens end with their short lifetime)."""
