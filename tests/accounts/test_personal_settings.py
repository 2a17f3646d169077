"""Personal settings at /me/settings/: language, time zone, links to password and MFA."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.urls_util import tenant_reverse

pytestmark = pytest.mark.django_db


def test_user_sets_language_and_time_zone(client, tenant_a, owner_a):
    client.force_login(owner_a)
    url = reverse("personal_settings")
    assert url == "/me/settings/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    for link in ("/accounts/password/change/", "/accounts/2fa/", "/accounts/email/"):
        assert link in body
    response = client.post(
        url,
        {"first_name": "Olga", "last_name": "Owner", "language": "de", "time_zone": "Asia/Tokyo"},
    )
    assert response.status_code == 302
    user = User.objects.get(pk=owner_a.pk)
    assert (user.first_name, user.language, user.time_zone) == ("Olga", "de", "Asia/Tokyo")
    # The workspace now speaks German to this user.
    home = client.get(tenant_reverse("tenant_home", tenant_a))
    assert home["Content-Language"] == "de"


def test_blank_means_workspace_default(client, tenant_a, owner_a):
    owner_a.language, owner_a.time_zone = "de", "Asia/Tokyo"
    owner_a.save()
    client.force_login(owner_a)
    client.post(
        reverse("personal_settings"),
        {"first_name": "", "last_name": "", "language": "", "time_zone": ""},
    )
    user = User.objects.get(pk=owner_a.pk)
    assert (user.language, user.time_zone) == ("", "")
    assert client.get(tenant_reverse("tenant_home", tenant_a))["Content-Language"] == "en"


@pytest.mark.parametrize("field, value", [("language", "xx"), ("time_zone", "Nowhere/Land")])
def test_bad_input_is_a_field_error_and_nothing_changes(client, owner_a, field, value):
    client.force_login(owner_a)
    data = {"first_name": "A", "last_name": "B", "language": "de", "time_zone": "UTC", field: value}
    response = client.post(reverse("personal_settings"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    user = User.objects.get(pk=owner_a.pk)
    assert (user.language, user.time_zone, user.first_name) == ("", "", owner_a.first_name)


def test_staff_flags_cannot_be_set(client, owner_a):
    client.force_login(owner_a)
    client.post(
        reverse("personal_settings"),
        {"first_name": "A", "last_name": "B", "language": "", "time_zone": "", "is_staff": "on",
         "is_superuser": "on", "email": "evil@example.test"},
    )  # fmt: skip
    user = User.objects.get(pk=owner_a.pk)
    assert not user.is_staff and not user.is_superuser and user.email == "owner@alpha.test"


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("personal_settings"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_mfa_and_password_pages_use_the_kontor_layout(client, owner_a):
    client.force_login(owner_a)
    for url in ("/accounts/2fa/", "/accounts/password/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert 'class="topbar"' in body and 'id="nav-personal-settings"' in body
