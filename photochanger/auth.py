"""JWTs with a ``scope`` claim derived from the user's Django permissions (or groups)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from photochanger.api import SCOPES
from photochanger.api_schema import error

# Each scope and the Django permission that grants it (give them to users or to groups).
SCOPE_PERMISSIONS = {
    "slots:read": "slots.view_slot",
    "slots:write": "slots.change_slot",
    "media:write": "media.add_templatemedia",
    "jobs:read": "jobs.view_job",
    "jobs:write": "jobs.change_job",
}
assert set(SCOPE_PERMISSIONS) == set(SCOPES)


def user_scopes(user) -> list[str]:
    if not user.is_active:
        return []
    if user.is_superuser:
        return list(SCOPES)
    return [scope for scope, perm in SCOPE_PERMISSIONS.items() if user.has_perm(perm)]


class ScopedTokenObtainPairSerializer(TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user) -> RefreshToken:
        token = super().get_token(user)
        token["scope"] = " ".join(user_scopes(user))
        return token


class ScopedTokenRefreshSerializer(TokenRefreshSerializer):
    """A refreshed access token gets the user's scopes as they are now, not as at login."""

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.get(api_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not user.is_active:
            raise InvalidToken("The token's user no longer exists or is inactive.")
        data = super().validate(attrs)
        access = refresh.access_token.__class__(data["access"], verify=False)
        access["scope"] = " ".join(user_scopes(user))
        data["access"] = str(access)
        return data


_TOKEN_ERRORS = {
    401: error("Wrong credentials, or an invalid or expired refresh token."),
    422: error("A required field is missing."),
}


@extend_schema_view(post=extend_schema(responses={200: TokenObtainPairSerializer, **_TOKEN_ERRORS}))
class TokenObtainView(TokenObtainPairView):
    """Log in with a username and password; the access token carries the user's scopes."""


@extend_schema_view(post=extend_schema(responses={200: TokenRefreshSerializer, **_TOKEN_ERRORS}))
class TokenRefreshScopedView(TokenRefreshView):
    """Trade a refresh token for a new access token with the user's current scopes."""
