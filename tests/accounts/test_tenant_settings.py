"""Tenant settings page (MANAGE_TENANT)."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent, Tenant
from accounts.roles import Role
from accounts.urls_util import tenant_reverse
from tests.accounts.conftest import audit_actions

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Alpha Holding GmbH",
    "default_language": "de",
    "enabled_languages": ["en", "de"],
    "default_currency": "CHF",
    "reporting_currency": "USD",
    "time_zone": "Europe/Zurich",
    "fiscal_year_start_month": "4",
}


def settings_of(tenant) -> dict:  # type: ignore[no-untyped-def]
    t = Tenant.objects.get(pk=tenant.pk)
    return {
        "name": t.name, "default_language": t.default_language,
        "enabled_languages": t.enabled_languages, "default_currency": t.default_currency,
        "reporting_currency": t.reporting_currency, "time_zone": t.time_zone,
        "fiscal_year_start_month": t.fiscal_year_start_month, "slug": t.slug,
    }  # fmt: skip


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_admin_changes_settings_and_it_is_audited(client, tenant_a, make_member, role):
    user = make_member(tenant_a, role)
    client.force_login(user)
    url = tenant_reverse("tenant_settings", tenant_a)
    page = client.get(url)
    assert page.status_code == 200
    for field in VALID:
        assert f'name="{field}"' in page.content.decode()
    response = client.post(url, {**VALID, "slug": "hijacked"})
    assert response.status_code == 302
    assert settings_of(tenant_a) == {
        "name": "Alpha Holding GmbH", "default_language": "de", "enabled_languages": ["en", "de"],
        "default_currency": "CHF", "reporting_currency": "USD", "time_zone": "Europe/Zurich",
        "fiscal_year_start_month": 4, "slug": "alpha",  # the slug is not editable here
    }  # fmt: skip
    [event] = audit_actions(tenant_a, AuditEvent.Action.SETTINGS_CHANGED)
    assert event.actor == user
    assert event.details["changes"]["default_currency"] == {"from": "EUR", "to": "CHF"}


def test_saving_unchanged_settings_writes_no_audit_event(client, tenant_a, owner_a):
    client.force_login(owner_a)
    url = tenant_reverse("tenant_settings", tenant_a)
    client.post(url, VALID)
    client.post(url, VALID)
    assert len(audit_actions(tenant_a, AuditEvent.Action.SETTINGS_CHANGED)) == 1


@pytest.mark.parametrize(
    "override, field",
    [
        ({"default_language": "de", "enabled_languages": ["en"]}, "default_language"),
        ({"default_currency": "XXX"}, "default_currency"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"fiscal_year_start_month": "13"}, "fiscal_year_start_month"),
        ({"name": ""}, "name"),
        ({"enabled_languages": []}, "enabled_languages"),
        ({"enabled_languages": ["fr"]}, "enabled_languages"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_changes(client, tenant_a, owner_a, override, field):
    before = settings_of(tenant_a)
    client.force_login(owner_a)
    response = client.post(tenant_reverse("tenant_settings", tenant_a), {**VALID, **override})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert settings_of(tenant_a) == before
    assert audit_actions(tenant_a, AuditEvent.Action.SETTINGS_CHANGED) == []


@pytest.mark.parametrize(
    "role", [Role.MANAGER, Role.SALES_REP, Role.SUPPORT_AGENT, Role.MARKETER, Role.VIEWER]
)
def test_wrong_role_gets_403_and_is_audited(client, tenant_a, make_member, role):
    before = settings_of(tenant_a)
    user = make_member(tenant_a, role)
    client.force_login(user)
    url = tenant_reverse("tenant_settings", tenant_a)
    assert client.get(url).status_code == 403
    assert client.post(url, VALID).status_code == 403
    assert settings_of(tenant_a) == before
    assert len(audit_actions(tenant_a, AuditEvent.Action.PERMISSION_DENIED)) == 2


def test_wrong_tenant_gets_404(client, tenant_a, owner_b):
    before = settings_of(tenant_a)
    client.force_login(owner_b)
    url = tenant_reverse("tenant_settings", tenant_a)
    assert client.get(url).status_code == 404
    assert client.post(url, VALID).status_code == 404
    assert settings_of(tenant_a) == before
