"""Tokens end with the account's trust: a password change, a deactivation or a logout revokes them,
and a refresh token is good for one refresh only."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PROTECTED = "/api/providers/"


@pytest.fixture
def root():
    return get_user_model().objects.create_superuser(username="root", password="s3cret-pass")


def _login(password: str = "s3cret-pass") -> dict:
    response = APIClient().post("/api/auth/token/", {"username": "root", "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _refresh(refresh: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")


def _get(access: str):
    return APIClient().get(PROTECTED, HTTP_AUTHORIZATION=f"Bearer {access}")


def _change_password(user, password: str = "an0ther-pass") -> None:
    user.set_password(password)
    user.save()


def test_a_refresh_token_is_refused_after_the_password_changed(root):
    tokens = _login()
    _change_password(root)

    response = _refresh(tokens["refresh"])

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_access_token_is_refused_after_the_password_changed(root):
    tokens = _login()
    assert _get(tokens["access"]).status_code == 200
    _change_password(root)

    assert _get(tokens["access"]).status_code == 401


def test_tokens_from_a_login_with_the_new_password_work(root):
    _login()
    _change_password(root)
    tokens = _login("an0ther-pass")

    assert _get(tokens["access"]).status_code == 200
    assert _refresh(tokens["refresh"]).status_code == 200


def test_an_access_token_is_refused_once_its_user_is_deactivated(root):
    tokens = _login()
    root.is_active = False
    root.save()

    assert _get(tokens["access"]).status_code == 401


def test_a_refresh_token_stays_revoked_when_its_user_is_reactivated(root):
    tokens = _login()
    root.is_active = False
    root.save()
    root.is_active = True
    root.save()

    assert _refresh(tokens["refresh"]).status_code == 401
    assert _refresh(_login()["refresh"]).status_code == 200


def test_an_access_token_stays_refused_when_its_user_is_reactivated(root):
    tokens = _login()
    root.is_active = False
    root.save()
    root.is_active = True
    root.save()

    response = _get(tokens["access"])

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_login_after_the_reactivation_gets_a_working_access_token(root):
    root.is_active = False
    root.save()
    root.is_active = True
    root.save()
    time.sleep(1.01 - time.time() % 1)  # a token's issue time is in whole seconds

    assert _get(_login()["access"]).status_code == 200


def test_a_refresh_answers_a_new_refresh_token_and_the_old_one_is_refused(root):
    tokens = _login()

    first = _refresh(tokens["refresh"])
    again = _refresh(tokens["refresh"])

    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    assert again.status_code == 401
    assert _refresh(first.json()["refresh"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_refreshes_with_one_token_give_one_new_token(root):
    refresh = _login()["refresh"]

    def attempt(_):
        try:
            return _refresh(refresh).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(attempt, range(4)))

    assert statuses == [200, 401, 401, 401]


def test_logout_revokes_the_refresh_token(root):
    tokens = _login()

    response = APIClient().post("/api/auth/token/blacklist/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 200
    assert _refresh(tokens["refresh"]).status_code == 401


def test_logout_with_an_invalid_refresh_token_gets_401(root):
    response = APIClient().post("/api/auth/token/blacklist/", {"refresh": "not-a-token"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_refresh_token_of_a_deleted_user_gets_401(root):
    tokens = _login()
    root.delete()

    assert _refresh(tokens["refresh"]).status_code == 401
