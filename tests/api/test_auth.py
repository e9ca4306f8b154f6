"""Tokens: scopes derived from Django permissions; bad tokens get 401, missing scopes 403."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

pytestmark = pytest.mark.django_db

PROTECTED = "/api/providers/"


def _user(username="operator", password="s3cret-pass", **kwargs):
    return get_user_model().objects.create_user(username=username, password=password, **kwargs)


def _login(username="operator", password="s3cret-pass"):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _get(token: str):
    return APIClient().get(PROTECTED, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_superuser_token_carries_every_scope():
    get_user_model().objects.create_superuser(username="root", password="s3cret-pass")
    response = _login("root")
    assert response.status_code == 200
    assert set(_claims(response.json()["access"])["scope"].split()) == {
        "slots:read",
        "slots:create",
        "slots:write",
        "slots:delete",
        "media:read",
        "media:write",
        "media:delete",
        "media:register",
        "jobs:read",
        "jobs:write",
        "results:share",
        "stats:read",
    }


@pytest.mark.parametrize(
    ("permission", "scope"),
    [
        ("slots.view_slot", "slots:read"),
        ("slots.add_slot", "slots:create"),
        ("slots.change_slot", "slots:write"),
        ("slots.delete_slot", "slots:delete"),
        ("media.view_templatemedia", "media:read"),
        ("media.add_templatemedia", "media:write"),
        ("media.delete_templatemedia", "media:delete"),
        ("media.add_mediaobject", "media:register"),
        ("jobs.view_job", "jobs:read"),
        ("jobs.change_job", "jobs:write"),
        ("jobs.change_result", "results:share"),
        ("stats.view_providercall", "stats:read"),
    ],
)
def test_each_permission_grants_exactly_its_own_scope(permission, scope):
    app_label, codename = permission.split(".")
    _user().user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))

    assert _claims(_login().json()["access"])["scope"] == scope


def test_scopes_come_from_the_users_group_permissions():
    user = _user()
    group = Group.objects.create(name="Event operators")
    group.permissions.add(Permission.objects.get(codename="view_slot"), Permission.objects.get(codename="view_job"))
    user.groups.add(group)
    assert _claims(_login().json()["access"])["scope"].split() == ["slots:read", "jobs:read"]


def test_user_without_permissions_gets_a_token_with_no_scope_and_403():
    _user()
    access = _login().json()["access"]
    assert _claims(access)["scope"] == ""
    response = _get(access)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_wrong_password_gets_401():
    _user()
    response = _login(password="nope")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_refresh_gives_a_token_with_the_users_current_scopes():
    user = _user()
    refresh = _login().json()["refresh"]
    user.user_permissions.add(Permission.objects.get(codename="view_slot"))
    response = APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 200
    assert _claims(response.json()["access"])["scope"] == "slots:read"
    assert _get(response.json()["access"]).status_code == 200


def test_refresh_for_a_deactivated_user_gets_401():
    user = _user()
    refresh = _login().json()["refresh"]
    user.is_active = False
    user.save()
    response = APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 401


def test_no_token_gets_401_with_a_bearer_challenge():
    response = APIClient().get(PROTECTED)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_expired_token_gets_401():
    token = AccessToken.for_user(_user())
    token["scope"] = "slots:read"
    token.set_exp(lifetime=timedelta(seconds=-1))
    assert _get(str(token)).status_code == 401


def test_token_with_a_forged_signature_gets_401():
    token = AccessToken.for_user(_user())
    token["scope"] = "slots:read"
    header, payload, signature = str(token).split(".")
    forged_payload = _b64({**_claims(str(token)), "scope": "slots:read slots:write jobs:write"})
    assert _get(f"{header}.{forged_payload}.{signature}").status_code == 401


def test_none_algorithm_token_gets_401():
    token = AccessToken.for_user(_user())
    token["scope"] = "slots:read"
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(str(token)))}."
    assert _get(unsigned).status_code == 401


def test_refresh_token_used_as_access_token_gets_401():
    get_user_model().objects.create_superuser(username="root", password="s3cret-pass")
    refresh = _login("root").json()["refresh"]
    assert _get(refresh).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a.b", "Token abc", "Bearer " + "x" * 5000])
def test_malformed_authorization_headers_get_401(header):
    assert APIClient().get(PROTECTED, HTTP_AUTHORIZATION=header).status_code == 401


def test_an_expired_token_is_refused_in_plain_words():
    token = AccessToken.for_user(_user())
    token.set_exp(lifetime=timedelta(seconds=-1))

    error = _get(str(token)).json()["error"]

    assert error == {"code": "not_authenticated", "message": "Given token not valid for any token type"}


def test_a_blacklisted_refresh_token_is_refused_in_plain_words():
    _user()
    refresh = _login().json()["refresh"]
    assert APIClient().post("/api/auth/token/blacklist/", {"refresh": refresh}, format="json").status_code == 200

    response = APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert response.json()["error"] == {"code": "not_authenticated", "message": "Token is blacklisted"}
