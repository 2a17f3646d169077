"""Members page: list, change role, remove — owner rules, audit, wrong role, wrong tenant."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent, Membership
from accounts.roles import Role
from accounts.urls_util import tenant_reverse
from tests.accounts.conftest import audit_actions

pytestmark = pytest.mark.django_db


def membership(user, tenant) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(user=user, tenant=tenant)


def change_role(client, tenant, target: Membership, role: str):  # type: ignore[no-untyped-def]
    return client.post(tenant_reverse("member_role", tenant, pk=target.pk), {"role": role})


def remove(client, tenant, target: Membership):  # type: ignore[no-untyped-def]
    return client.post(tenant_reverse("member_remove", tenant, pk=target.pk))


def messages_of(client, response) -> str:  # type: ignore[no-untyped-def]
    return client.get(response["Location"]).content.decode()


def test_member_list_with_constant_queries(
    client,
    tenant_a,
    admin_a,
    owner_a,
    make_member,
    tenant_b,
    owner_b,
    django_assert_max_num_queries,
):
    for role in [Role.SALES_REP] * 10 + [Role.VIEWER] * 5:
        make_member(tenant_a, role)
    client.force_login(admin_a)
    with django_assert_max_num_queries(10):
        response = client.get(tenant_reverse("member_list", tenant_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<tr id="member-') == 17
    assert "owner@bravo.test" not in body  # only this tenant's members
    # Owners first.
    assert body.index("owner@alpha.test") < body.index("admin@alpha.test")
    # An admin can neither change nor remove an owner, and cannot offer the owner role.
    owner_row = body[body.index(f'id="member-{membership(owner_a, tenant_a).pk}"') :]
    owner_row = owner_row[: owner_row.index("</tr>")]
    assert "<select" not in owner_row and "Remove" not in owner_row
    assert 'value="owner"' not in body


def test_admin_changes_a_role_and_it_is_audited(client, tenant_a, admin_a, rep_a):
    client.force_login(admin_a)
    target = membership(rep_a, tenant_a)
    response = change_role(client, tenant_a, target, Role.MANAGER)
    assert response.status_code == 302
    assert membership(rep_a, tenant_a).role == Role.MANAGER
    [event] = audit_actions(tenant_a, AuditEvent.Action.ROLE_CHANGED)
    assert event.actor == admin_a and event.target == "rep@alpha.test"
    assert event.details["from"] == Role.SALES_REP and event.details["to"] == Role.MANAGER


def test_admin_cannot_promote_to_owner(client, tenant_a, admin_a, rep_a):
    client.force_login(admin_a)
    response = change_role(client, tenant_a, membership(rep_a, tenant_a), Role.OWNER)
    assert response.status_code == 302
    assert "Only an owner can make an owner" in messages_of(client, response)
    assert membership(rep_a, tenant_a).role == Role.SALES_REP
    assert audit_actions(tenant_a, AuditEvent.Action.ROLE_CHANGED) == []
    assert audit_actions(tenant_a, AuditEvent.Action.PERMISSION_DENIED)


def test_admin_cannot_change_or_remove_an_owner(client, tenant_a, admin_a, owner_a):
    client.force_login(admin_a)
    target = membership(owner_a, tenant_a)
    response = change_role(client, tenant_a, target, Role.VIEWER)
    assert "Only an owner can change the role of an owner" in messages_of(client, response)
    response = remove(client, tenant_a, target)
    assert "Only an owner can remove an owner" in messages_of(client, response)
    assert membership(owner_a, tenant_a).role == Role.OWNER
    assert audit_actions(tenant_a, AuditEvent.Action.MEMBER_REMOVED) == []


def test_owner_can_make_another_owner_and_then_step_down(client, tenant_a, owner_a, admin_a):
    client.force_login(owner_a)
    change_role(client, tenant_a, membership(admin_a, tenant_a), Role.OWNER)
    assert membership(admin_a, tenant_a).role == Role.OWNER
    response = change_role(client, tenant_a, membership(owner_a, tenant_a), Role.ADMIN)
    assert response.status_code == 302
    assert membership(owner_a, tenant_a).role == Role.ADMIN
    assert len(audit_actions(tenant_a, AuditEvent.Action.ROLE_CHANGED)) == 2


def test_the_last_owner_cannot_be_demoted_or_removed(client, tenant_a, owner_a, admin_a):
    client.force_login(owner_a)
    target = membership(owner_a, tenant_a)
    response = change_role(client, tenant_a, target, Role.ADMIN)
    assert "last owner" in messages_of(client, response)
    response = remove(client, tenant_a, target)
    assert "last owner" in messages_of(client, response)
    assert membership(owner_a, tenant_a).role == Role.OWNER
    assert audit_actions(tenant_a, AuditEvent.Action.ROLE_CHANGED) == []
    assert audit_actions(tenant_a, AuditEvent.Action.MEMBER_REMOVED) == []


def test_admin_removes_a_member_after_confirming_and_it_is_audited(
    client, tenant_a, admin_a, rep_a
):
    client.force_login(admin_a)
    target = membership(rep_a, tenant_a)
    confirm = client.get(tenant_reverse("member_remove", tenant_a, pk=target.pk))
    assert confirm.status_code == 200 and "rep@alpha.test" in confirm.content.decode()
    assert Membership.objects.filter(pk=target.pk).exists()  # a GET removes nothing
    response = remove(client, tenant_a, target)
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()
    [event] = audit_actions(tenant_a, AuditEvent.Action.MEMBER_REMOVED)
    assert event.actor == admin_a and event.target == "rep@alpha.test"
    # The removed user no longer gets in.
    client.force_login(rep_a)
    assert client.get(tenant_reverse("tenant_home", tenant_a)).status_code == 404


def test_admin_who_demotes_themselves_lands_on_home(client, tenant_a, owner_a, admin_a):
    client.force_login(admin_a)
    response = change_role(client, tenant_a, membership(admin_a, tenant_a), Role.VIEWER)
    assert response["Location"] == tenant_reverse("tenant_home", tenant_a)
    assert membership(admin_a, tenant_a).role == Role.VIEWER


def test_member_who_leaves_lands_on_the_workspace_list(client, tenant_a, owner_a, admin_a):
    client.force_login(admin_a)
    response = remove(client, tenant_a, membership(admin_a, tenant_a))
    assert response["Location"] == "/switch/"
    assert not Membership.objects.filter(user=admin_a).exists()


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.MANAGER, Role.SUPPORT_AGENT, Role.VIEWER])
def test_wrong_role_gets_403_nothing_changes_and_it_is_audited(
    client, tenant_a, owner_a, make_member, rep_a, role
):
    user = make_member(tenant_a, role)
    client.force_login(user)
    target = membership(rep_a, tenant_a)
    responses = [
        client.get(tenant_reverse("member_list", tenant_a)),
        change_role(client, tenant_a, target, Role.VIEWER),
        client.get(tenant_reverse("member_remove", tenant_a, pk=target.pk)),
        remove(client, tenant_a, target),
    ]
    assert [r.status_code for r in responses] == [403] * 4
    assert membership(rep_a, tenant_a).role == Role.SALES_REP
    denied = audit_actions(tenant_a, AuditEvent.Action.PERMISSION_DENIED)
    assert len(denied) == 4 and {e.actor for e in denied} == {user}


def test_wrong_tenant_gets_404_with_real_ids_and_nothing_changes(
    client, tenant_a, tenant_b, owner_b, rep_a
):
    target = membership(rep_a, tenant_a)
    client.force_login(owner_b)
    # Under tenant A's address: not a member there.
    assert client.get(tenant_reverse("member_list", tenant_a)).status_code == 404
    assert change_role(client, tenant_a, target, Role.VIEWER).status_code == 404
    assert remove(client, tenant_a, target).status_code == 404
    # Under tenant B's own address with tenant A's membership id: not in B's scope.
    assert change_role(client, tenant_b, target, Role.VIEWER).status_code == 404
    assert remove(client, tenant_b, target).status_code == 404
    assert client.get(tenant_reverse("member_remove", tenant_b, pk=target.pk)).status_code == 404
    assert membership(rep_a, tenant_a).role == Role.SALES_REP
    assert audit_actions(tenant_a) == []


def test_bad_role_value_changes_nothing(client, tenant_a, owner_a, rep_a):
    client.force_login(owner_a)
    response = change_role(client, tenant_a, membership(rep_a, tenant_a), "emperor")
    assert response.status_code == 302
    assert membership(rep_a, tenant_a).role == Role.SALES_REP


def test_non_numeric_id_is_404(client, tenant_a, owner_a):
    client.force_login(owner_a)
    response = client.post(f"/{tenant_a.slug}/members/abc/role/", {"role": Role.VIEWER})
    assert response.status_code == 404
