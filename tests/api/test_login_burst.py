"""A burst of simultaneous logins cannot get more password checks than the failed-login limits
allow (each attempt is counted before its password is checked), and cannot take every database
connection and core of a web process (at most LOGIN_CHECKS_PER_PROCESS checks run at once)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from rest_framework.test import APIClient

from core.db import connection_release
from photochanger import login_throttle

PASSWORD = "s3cret-pass"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 100
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    settings.LOGIN_CHECKS_PER_PROCESS = 64
    settings.LOGIN_CHECK_WAIT_SECONDS = 10.0
    return settings


@pytest.fixture
def alice(transactional_db):
    return get_user_model().objects.create_superuser(username="alice", password=PASSWORD)


@pytest.fixture
def slow_password_checks(monkeypatch):
    """Each password check takes a while, as a real hash does: the window a burst races in."""
    check = AbstractBaseUser.check_password

    def slow(self, raw_password):
        time.sleep(0.05)
        return check(self, raw_password)

    monkeypatch.setattr(AbstractBaseUser, "check_password", slow)


def api_login(password: str = "wrong-pass", addr: str = "10.0.0.1", username: str = "alice"):
    try:
        return APIClient().post(
            "/api/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=addr
        )
    finally:
        connection_release()  # a thread's own connection


def admin_login(password: str = "wrong-pass", addr: str = "10.0.0.1"):
    try:
        return Client().post(
            "/admin/login/?next=/admin/", {"username": "alice", "password": password}, REMOTE_ADDR=addr
        )
    finally:
        connection_release()  # a thread's own connection


def burst(attempts: list, *, workers: int = 30) -> Counter:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return Counter(response.status_code for response in pool.map(lambda attempt: attempt(), attempts))


def test_a_burst_of_wrong_passwords_gets_no_more_checks_than_the_username_limit(alice, slow_password_checks):
    statuses = burst([api_login] * 30)

    assert statuses == Counter({401: 3, 429: 27})


def test_a_burst_of_wrong_passwords_on_the_admin_login_gets_no_more_checks_than_the_limit(alice, slow_password_checks):
    statuses = burst([admin_login] * 30)

    assert statuses == Counter({200: 3, 429: 27})  # 200: the login form again, for a wrong password


def test_the_right_password_gets_no_token_while_the_limit_is_taken_by_checks_still_running(alice, monkeypatch):
    """The wrong guesses in flight have not failed yet, but they already count: the right
    password arriving among them is refused like any other past the limit."""
    started, release = threading.Semaphore(0), threading.Event()
    check = AbstractBaseUser.check_password

    def held(self, raw_password):
        if raw_password != PASSWORD:
            started.release()
            release.wait(10)
        return check(self, raw_password)

    monkeypatch.setattr(AbstractBaseUser, "check_password", held)
    with ThreadPoolExecutor(max_workers=3) as pool:
        wrong = [pool.submit(api_login) for _ in range(3)]
        for _ in range(3):
            assert started.acquire(timeout=10)
        right = api_login(PASSWORD)
        release.set()
        statuses = sorted(future.result().status_code for future in wrong)

    assert right.status_code == 429, right.content
    assert "access" not in right.json()
    assert statuses == [401, 401, 401]


def test_a_burst_with_the_right_password_in_it_never_gets_past_the_limit(alice, slow_password_checks):
    attempts = [api_login] * 29
    attempts.insert(15, lambda: api_login(PASSWORD))

    statuses = burst(attempts)

    assert statuses[401] <= 3
    assert statuses[401] + statuses[429] + statuses[200] == 30
    assert statuses[200] <= 1


def test_successful_logins_give_their_count_back(alice, limits):
    limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3  # a known address is held to this one
    for _ in range(2):
        api_login()
    for _ in range(5):
        assert api_login(PASSWORD).status_code == 200

    assert api_login().status_code == 401
    assert api_login(PASSWORD).status_code == 429


def test_a_known_address_is_spared_the_username_limit_in_a_burst(alice, slow_password_checks):
    assert api_login(PASSWORD, addr="10.0.9.9").status_code == 200

    statuses = burst([lambda index=index: api_login(addr=f"10.0.7.{index}") for index in range(20)])

    assert statuses == Counter({401: 3, 429: 17})
    assert api_login(PASSWORD, addr="10.0.9.9").status_code == 200


# --- Password checks at once per process ------------------------------------------------------


@pytest.fixture
def checks_held(limits):
    """The process's only login check is taken (by a login that is still hashing)."""
    limits.LOGIN_CHECKS_PER_PROCESS = 1
    limits.LOGIN_CHECK_WAIT_SECONDS = 0.2
    checks = login_throttle._login_checks(1)
    assert checks.acquire(timeout=1)
    yield
    checks.release()


@pytest.mark.django_db
def test_a_login_while_every_check_is_taken_gets_a_busy_answer_fast(checks_held, django_assert_num_queries):
    get_user_model().objects.create_superuser(username="alice", password=PASSWORD)
    started = time.monotonic()

    with django_assert_num_queries(0):  # no user lookup, no connection taken while it waited
        response = api_login(PASSWORD)

    assert time.monotonic() - started < 1.5
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "login_busy"
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_a_busy_admin_login_gets_the_admins_own_page(checks_held):
    get_user_model().objects.create_superuser(username="alice", password=PASSWORD)

    response = admin_login(PASSWORD)

    assert response.status_code == 503
    assert b"try again" in response.content.lower()
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_a_busy_login_is_not_counted_as_a_failure(checks_held):
    get_user_model().objects.create_superuser(username="alice", password=PASSWORD)
    for _ in range(5):
        assert api_login().status_code == 503
    login_throttle._login_checks(1).release()
    try:
        assert api_login(PASSWORD).status_code == 200
    finally:
        assert login_throttle._login_checks(1).acquire(timeout=1)


def test_no_more_password_checks_than_the_limit_run_at_once(alice, limits, monkeypatch):
    limits.LOGIN_CHECKS_PER_PROCESS = 2
    limits.LOGIN_FAILURE_LIMIT_PER_USERNAME = 0
    running, most = 0, 0
    lock = threading.Lock()
    check = AbstractBaseUser.check_password

    def counted(self, raw_password):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return check(self, raw_password)

    monkeypatch.setattr(AbstractBaseUser, "check_password", counted)

    statuses = burst([api_login] * 8, workers=8)

    assert statuses == Counter({401: 8})
    assert most == 2
