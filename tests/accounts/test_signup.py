"""Sign-up by email creates a tenant and its owner; verification is mandatory; bad input
writes nothing."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Membership, Tenant, User
from accounts.roles import Role
from accounts.urls_util import tenant_reverse
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "A-long-passphrase-42"


def sign_up(client, **fields: str):  # type: ignore[no-untyped-def]
    data = {
        "email": "founder@example.test",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "workspace_name": "Gamma AG",
        "workspace_slug": "gamma",
        "language": "de",
    }
    data.update(fields)
    return client.post("/accounts/signup/", data)


def confirmation_path() -> str:
    match = re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_signup_page_has_the_workspace_fields(client):
    body = client.get("/accounts/signup/").content.decode()
    for name in ("email", "password1", "password2", "workspace_name", "workspace_slug", "language"):
        assert f'name="{name}"' in body
    assert "<title>" in body and 'class="topbar"' in body  # inside Kontor's layout


def test_signup_creates_tenant_and_owner_and_requires_verification(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="founder@example.test")
    tenant = Tenant.objects.get(slug="gamma")
    assert tenant.name == "Gamma AG"
    assert tenant.default_language == "de" and tenant.enabled_languages == ["de"]
    assert Membership.objects.get(user=user).tenant == tenant
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert user.language == "de"
    # Not logged in until the address is confirmed.
    assert not EmailAddress.objects.get(user=user).verified
    assert client.get(tenant_reverse("tenant_home", tenant)).status_code == 302
    login = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert login["Location"] == "/accounts/confirm-email/"
    response = client.post(confirmation_path())
    assert EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302
    assert response["Location"] == tenant_reverse("tenant_home", tenant)
    assert client.get(response["Location"]).status_code == 200


def test_slug_is_derived_from_the_name_when_empty(client):
    sign_up(client, workspace_slug="", workspace_name="Delta Handels GmbH")
    assert Tenant.objects.filter(slug="delta-handels-gmbh").exists()


@pytest.mark.parametrize(
    "slug, message",
    [
        ("alpha", "already taken"),  # another tenant's address
        ("admin", "already taken"),  # reserved: another URL lives there
        ("me", "Use 3–40 lowercase"),
        ("Bad Slug!", "Use 3–40 lowercase"),
        ("-dash-", "already taken"),  # hyphens at the ends are stripped: "dash" is taken
    ],
)
def test_taken_reserved_or_invalid_slug_is_a_field_error_and_nothing_is_written(
    client, tenant_a, slug, message
):
    if slug == "-dash-":
        Tenant.objects.create(slug="dash", name="Dash")
    users, tenants, memberships = (
        User.objects.count(),
        Tenant.objects.count(),
        Membership.objects.count(),
    )
    response = sign_up(client, workspace_slug=slug)
    assert response.status_code == 200
    form = response.context["form"]
    assert "workspace_slug" in form.errors
    assert message in str(form.errors["workspace_slug"])
    assert (User.objects.count(), Tenant.objects.count(), Membership.objects.count()) == (
        users, tenants, memberships,
    )  # fmt: skip
    assert not User.objects.filter(email="founder@example.test").exists()
    assert mail.outbox == []


def test_missing_company_name_is_a_field_error(client):
    response = sign_up(client, workspace_name="", workspace_slug="")
    assert response.status_code == 200
    assert "workspace_name" in response.context["form"].errors
    assert not User.objects.exists() and not Tenant.objects.exists()


def test_mismatched_passwords_write_nothing(client):
    response = sign_up(client, password2="something-else-42")
    assert response.status_code == 200
    assert not User.objects.exists() and not Tenant.objects.exists()


def test_taken_email_writes_nothing_and_tells_the_owner_by_mail(client):
    """allauth's enumeration protection: the form does not reveal that the address has an
    account; its owner gets a mail saying so instead. No user, tenant or membership is made."""
    existing = UserFactory(email="founder@example.test")
    tenants = Tenant.objects.count()
    response = sign_up(client, email="Founder@Example.test", workspace_slug="gamma")
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="founder@example.test").count() == 1
    assert Tenant.objects.count() == tenants
    assert not Tenant.objects.filter(slug="gamma").exists()
    assert not Membership.objects.filter(user=existing).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["founder@example.test"]
    assert "already" in mail.outbox[0].body.lower()


def test_invalid_email_is_a_field_error(client):
    response = sign_up(client, email="not-an-address")
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.exists() and not Tenant.objects.exists()
