"""The UI shell and the security defaults around accounts: unknown workspaces, non-members,
MFA on unverified addresses, login rate limits, tenant binding in Celery tasks, error pages."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.template import loader
from django.urls import reverse

from accounts.context import current_tenant_id
from accounts.models import AuditEvent
from accounts.services import audit_record
from accounts.tenancy import tenant_task
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_workspace_answers_404_with_a_clear_message(client, owner_a) -> None:
    client.force_login(owner_a)
    response = client.get("/no-such-workspace/")
    assert response.status_code == 404
    assert b"no workspace at this address" in response.content


def test_a_user_without_membership_gets_the_same_404_as_for_a_missing_workspace(
    client, tenant_a, owner_b
) -> None:
    client.force_login(owner_b)
    existing = client.get(f"/{tenant_a.slug}/")
    missing = client.get("/no-such-workspace/")
    assert existing.status_code == missing.status_code == 404
    assert b"no workspace at this address" in existing.content


def test_anonymous_visitors_of_a_workspace_are_sent_to_login(client, tenant_a) -> None:
    response = client.get(f"/{tenant_a.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_mfa_cannot_be_enrolled_while_the_email_is_unverified(client) -> None:
    user = UserFactory(email="unverified@example.test", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    client.force_login(user)
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert b"verified" in response.content.lower()
    assert not Authenticator.objects.filter(user=user).exists()


def test_repeated_failed_logins_are_rate_limited(client, owner_a) -> None:
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": owner_a.email, "password": "wrong"})
    response = client.post(url, {"login": owner_a.email, "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_in_the_tenants_audit_log(client, tenant_a, owner_a, in_tenant) -> None:
    client.post(reverse("account_login"), {"login": owner_a.email, "password": "wrong"})
    with in_tenant(tenant_a):
        assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).count() == 1


def test_tenant_task_binds_the_tenant_for_the_task_and_resets_it(tenant_a, tenant_b) -> None:
    audit_record(tenant=tenant_a, action=AuditEvent.Action.LOGIN, target="a")
    audit_record(tenant=tenant_b, action=AuditEvent.Action.LOGIN, target="b")

    @tenant_task
    def count_events(*, tenant_id: int) -> list[str]:
        assert current_tenant_id() == tenant_id
        return list(AuditEvent.objects.values_list("target", flat=True))

    assert count_events(tenant_id=tenant_a.pk) == ["a"]
    assert count_events(tenant_id=tenant_b.pk) == ["b"]
    assert current_tenant_id() is None


def test_error_pages_render(client, owner_a) -> None:
    client.force_login(owner_a)
    response = client.get("/accounts/definitely-not-a-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert "Something went wrong" in loader.get_template("500.html").render()
