"""Wrong passwords are counted per client address and per username, on the API's token endpoint and
on the admin site's login alike; past a limit, logins get 429 with Retry-After, right password or not."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    return settings


@pytest.fixture(autouse=True)
def users():
    for name in ("alice", "bob", "carol"):
        get_user_model().objects.create_superuser(username=name, password=PASSWORD)


def api_login(username: str, password: str = "wrong-pass", addr: str = "10.0.0.1"):
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=addr
    )


def admin_login(username: str, password: str = "wrong-pass", addr: str = "10.0.0.1"):
    return Client().post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=addr)


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    if response["Content-Type"].startswith("text/html"):  # the admin's own page
        assert b"Too many failed logins" in response.content
    else:
        assert response.json()["error"]["code"] == "too_many_failed_logins"
    assert 0 < int(response["Retry-After"]) <= 600


def test_wrong_passwords_past_the_username_limit_get_429_with_retry_after():
    assert [api_login("alice").status_code for _ in range(3)] == [401, 401, 401]

    assert_throttled(api_login("alice"))


def test_the_right_password_is_refused_too_while_throttled():
    for _ in range(3):
        api_login("alice")

    assert_throttled(api_login("alice", PASSWORD))


def test_a_username_is_throttled_from_every_address():
    for index in range(3):
        api_login("alice", addr=f"10.0.1.{index}")

    assert_throttled(api_login("alice", PASSWORD, addr="10.0.2.1"))
    assert api_login("bob", PASSWORD, addr="10.0.2.1").status_code == 200


def test_an_address_is_throttled_for_every_username():
    for name in ("alice", "alice", "bob", "bob", "carol"):
        api_login(name, addr="10.0.3.1")

    assert_throttled(api_login("carol", PASSWORD, addr="10.0.3.1"))
    assert api_login("carol", PASSWORD, addr="10.0.3.2").status_code == 200


def test_successful_logins_are_not_counted():
    for _ in range(6):
        assert api_login("alice", PASSWORD).status_code == 200


def test_usernames_differing_only_in_case_share_a_counter():
    for name in ("alice", "ALICE", "Alice"):
        api_login(name, addr=f"10.0.4.{len(name)}{name.count('A')}")

    assert_throttled(api_login("aLiCe", addr="10.0.5.1"))


def test_a_forwarded_for_header_does_not_change_the_counted_address():
    for index in range(5):
        APIClient().post(
            "/api/auth/token/",
            {"username": f"nobody-{index}", "password": "x"},
            format="json",
            REMOTE_ADDR="10.0.6.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{index}",
        )

    assert_throttled(api_login("bob", PASSWORD, addr="10.0.6.1"))


def test_the_admin_login_is_throttled():
    assert [admin_login("alice").status_code for _ in range(3)] == [200, 200, 200]  # the form again

    assert_throttled(admin_login("alice", PASSWORD))


def test_admin_and_api_failures_share_the_counters():
    admin_login("alice")
    admin_login("alice")
    api_login("alice")

    assert_throttled(api_login("alice", PASSWORD))
    assert_throttled(admin_login("alice", PASSWORD))


def test_the_admin_login_page_itself_is_not_throttled():
    for _ in range(3):
        admin_login("alice")

    assert Client().get("/admin/login/", REMOTE_ADDR="10.0.0.1").status_code == 200


def test_a_zero_limit_turns_the_throttle_off(limits):
    limits.LOGIN_FAILURE_LIMIT_PER_USERNAME = 0
    limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 0
    for _ in range(10):
        api_login("alice")

    assert api_login("alice", PASSWORD).status_code == 200


def test_logins_are_refused_with_503_while_the_counters_are_unreachable(monkeypatch):
    import redis

    from photochanger import login_throttle

    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(login_throttle, "_redis", lambda: dead)

    response = api_login("alice", PASSWORD)

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "login_unavailable"
    assert response["Retry-After"] == "5"


def test_a_locked_username_still_logs_in_from_an_address_it_logged_in_from_before():
    """Whoever knows the operator's username cannot lock the operator out: the guesser is held
    back everywhere the user never logged in from."""
    assert api_login("alice", PASSWORD, addr="10.0.9.9").status_code == 200
    for index in range(5):
        api_login("alice", addr=f"10.0.7.{index}")

    assert_throttled(api_login("alice", PASSWORD, addr="10.0.8.1"))
    assert api_login("alice", PASSWORD, addr="10.0.9.9").status_code == 200


def test_an_admin_session_login_makes_its_address_known_too():
    assert (
        Client()
        .post("/admin/login/?next=/admin/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.9.8")
        .status_code
        == 302
    )
    for index in range(5):
        admin_login("alice", addr=f"10.0.7.{index}")

    assert admin_login("alice", PASSWORD, addr="10.0.9.8").status_code == 302


def test_a_known_address_is_still_held_to_its_own_limit(limits):
    assert api_login("alice", PASSWORD, addr="10.0.9.7").status_code == 200
    for index in range(limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS):
        api_login(f"nobody-{index}", addr="10.0.9.7")

    assert_throttled(api_login("alice", PASSWORD, addr="10.0.9.7"))
