"""Navigation: role-appropriate links and the workspace switcher."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from accounts.urls_util import tenant_reverse
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ADMIN_LINKS = (
    'id="nav-tenant-settings"',
    'id="nav-members"',
    'id="nav-invitations"',
    'id="nav-audit"',
)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_admins_see_settings_members_and_audit_links(client, tenant_a, make_member, role):
    client.force_login(make_member(tenant_a, role))
    body = client.get(tenant_reverse("tenant_home", tenant_a)).content.decode()
    for link in ADMIN_LINKS:
        assert link in body
    assert tenant_reverse("member_list", tenant_a) in body


@pytest.mark.parametrize(
    "role", [Role.MANAGER, Role.SALES_REP, Role.SUPPORT_AGENT, Role.MARKETER, Role.VIEWER]
)
def test_other_roles_do_not(client, tenant_a, make_member, role):
    client.force_login(make_member(tenant_a, role))
    body = client.get(tenant_reverse("tenant_home", tenant_a)).content.decode()
    for link in ADMIN_LINKS:
        assert link not in body
    assert 'id="nav-personal-settings"' in body


def test_switcher_lists_the_users_workspaces_and_switches(
    client, tenant_a, tenant_b, rep_a, owner_b
):
    MembershipFactory(tenant=tenant_b, user=rep_a, role=Role.VIEWER)
    client.force_login(rep_a)
    body = client.get(tenant_reverse("tenant_home", tenant_a)).content.decode()
    assert 'id="workspace-switcher"' in body
    assert 'href="/bravo/"' in body and 'href="/alpha/" aria-current="true"' in body
    response = client.get("/bravo/")
    assert response.status_code == 200
    assert response.context["tenant"] == tenant_b


def test_single_workspace_shows_a_plain_link(client, tenant_a, rep_a, tenant_b):
    client.force_login(rep_a)
    body = client.get(tenant_reverse("tenant_home", tenant_a)).content.decode()
    assert 'id="workspace-switcher"' not in body and 'id="nav-workspaces"' in body
    assert "Bravo Ltd" not in body


def test_switcher_is_cached_and_follows_membership_and_name_changes(
    client, tenant_a, tenant_b, rep_a, django_assert_num_queries
):
    extra = MembershipFactory(tenant=tenant_b, user=rep_a, role=Role.VIEWER)
    client.force_login(rep_a)
    home = tenant_reverse("tenant_home", tenant_a)
    assert 'href="/bravo/"' in client.get(home).content.decode()
    from accounts.selectors import workspace_switcher

    with django_assert_num_queries(0):
        assert [e["slug"] for e in workspace_switcher(rep_a)] == ["alpha", "bravo"]
    tenant_b.name = "Bravo Renamed"
    tenant_b.save()
    assert "Bravo Renamed" in client.get(home).content.decode()
    extra.delete()
    body = client.get(home).content.decode()
    assert 'href="/bravo/"' not in body and 'id="workspace-switcher"' not in body
