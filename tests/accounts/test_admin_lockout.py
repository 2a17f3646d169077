"""Django admin login lockout for platform staff: per username and per IP, in the cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="staff@kontor.test", is_staff=True, is_superuser=True)


def attempt(client, username: str, password: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and response["Location"] == "/admin/"


@override_settings(ADMIN_LOGIN_MAX_FAILURES=3, ADMIN_LOGIN_LOCKOUT_SECONDS=600)
def test_username_is_locked_after_max_failures_even_with_the_right_password(client, staff):
    for _ in range(3):
        response = attempt(client, "staff@kontor.test", "wrong", ip=f"10.0.0.{_ + 1}")
        assert response.status_code == 200 and "Too many" not in response.content.decode()
    response = attempt(client, "staff@kontor.test", PASSWORD, ip="10.9.9.9")
    assert not logged_in(response)
    assert "Too many failed login attempts" in response.content.decode()
    # Another staff account from another IP is not affected.
    UserFactory(email="other@kontor.test", is_staff=True)
    assert logged_in(attempt(client, "other@kontor.test", PASSWORD, ip="10.9.9.8"))


@override_settings(ADMIN_LOGIN_MAX_FAILURES=3, ADMIN_LOGIN_LOCKOUT_SECONDS=600)
def test_ip_is_locked_after_max_failures_across_usernames(client, staff):
    for name in ("a@x.test", "b@x.test", "c@x.test"):
        attempt(client, name, "wrong", ip="10.1.1.1")
    response = attempt(client, "staff@kontor.test", PASSWORD, ip="10.1.1.1")
    assert not logged_in(response)
    assert "Too many failed login attempts" in response.content.decode()
    assert logged_in(attempt(client, "staff@kontor.test", PASSWORD, ip="10.2.2.2"))


@override_settings(ADMIN_LOGIN_MAX_FAILURES=3, ADMIN_LOGIN_LOCKOUT_SECONDS=600)
def test_lock_ends_when_the_cache_entry_expires(client, staff):
    for _ in range(3):
        attempt(client, "staff@kontor.test", "wrong")
    assert not logged_in(attempt(client, "staff@kontor.test", PASSWORD))
    cache.clear()  # what the lockout timeout does
    assert logged_in(attempt(client, "staff@kontor.test", PASSWORD))


@override_settings(ADMIN_LOGIN_MAX_FAILURES=3, ADMIN_LOGIN_LOCKOUT_SECONDS=600)
def test_success_resets_the_username_counter(client, staff):
    for _ in range(2):
        attempt(client, "staff@kontor.test", "wrong", ip="10.0.0.5")
    assert logged_in(attempt(client, "staff@kontor.test", PASSWORD, ip="10.0.0.6"))
    client.logout()
    for _ in range(2):
        attempt(client, "staff@kontor.test", "wrong", ip="10.0.0.7")
    assert logged_in(attempt(client, "staff@kontor.test", PASSWORD, ip="10.0.0.8"))


def test_non_staff_with_the_right_password_counts_as_a_failure(client, settings):
    settings.ADMIN_LOGIN_MAX_FAILURES = 2
    UserFactory(email="member@example.test")
    for _ in range(2):
        assert not logged_in(attempt(client, "member@example.test", PASSWORD))
    response = attempt(client, "member@example.test", PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()


def test_default_settings_are_in_force(settings):
    assert settings.ADMIN_LOGIN_MAX_FAILURES == 5
    assert settings.ADMIN_LOGIN_LOCKOUT_SECONDS == 15 * 60
