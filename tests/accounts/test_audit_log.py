"""Audit log page (READ_AUDIT_LOG): newest first, keyset-paginated, this tenant only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.selectors import AUDIT_PAGE_SIZE
from accounts.services import audit_record
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse
from tests.accounts.conftest import audit_actions

pytestmark = pytest.mark.django_db


def make_events(tenant, count: int, actor=None) -> None:  # type: ignore[no-untyped-def]
    start = timezone.now() - timedelta(hours=1)
    with tenant_context(tenant):
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    tenant_id=tenant.pk,
                    action=AuditEvent.Action.LOGIN,
                    actor=actor,
                    target=f"event-{i:03d}",
                    created_at=start + timedelta(seconds=i // 2),
                )
                for i in range(count)
            ]
        )


def targets(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.target for e in response.context["events"]]


def test_newest_first_and_paginated_without_gaps_or_repeats(
    client, tenant_a, owner_a, django_assert_max_num_queries
):
    # Pairs of events share a timestamp: the keyset must still neither skip nor repeat.
    make_events(tenant_a, AUDIT_PAGE_SIZE * 2 + 7, actor=owner_a)
    client.force_login(owner_a)
    url = tenant_reverse("audit_log", tenant_a)
    with django_assert_max_num_queries(10):
        first = client.get(url)
    assert first.status_code == 200
    seen = targets(first)
    assert len(seen) == AUDIT_PAGE_SIZE
    assert seen[0] == "owner@alpha.test"  # force_login's login event is the newest
    assert seen[1] == f"event-{AUDIT_PAGE_SIZE * 2 + 6:03d}"
    next_url = first.context["next_url"]
    while next_url:
        with django_assert_max_num_queries(10):
            page = client.get(url + next_url)
        seen += targets(page)
        next_url = page.context["next_url"]
    expected = [f"event-{i:03d}" for i in reversed(range(AUDIT_PAGE_SIZE * 2 + 7))]
    assert seen[1:] == expected


def test_filter_by_event_and_only_this_tenants_events(client, tenant_a, tenant_b, owner_a):
    audit_record(tenant=tenant_a, action=AuditEvent.Action.ROLE_CHANGED, target="a-role")
    audit_record(tenant=tenant_a, action=AuditEvent.Action.LOGIN_FAILED, target="a-fail")
    audit_record(tenant=tenant_b, action=AuditEvent.Action.ROLE_CHANGED, target="b-role")
    client.force_login(owner_a)
    url = tenant_reverse("audit_log", tenant_a)
    assert targets(client.get(url + "?action=role_changed")) == ["a-role"]
    body = client.get(url).content.decode()
    assert "a-fail" in body and "b-role" not in body


def test_bad_cursor_and_filter_do_not_fail(client, tenant_a, owner_a):
    audit_record(tenant=tenant_a, action=AuditEvent.Action.LOGIN, target="x")
    client.force_login(owner_a)
    url = tenant_reverse("audit_log", tenant_a)
    for query in ("?after=garbage", "?after=2026-01-01_abc", "?action=nonsense", "?after=_"):
        response = client.get(url + query)
        assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SALES_REP, Role.MARKETER, Role.VIEWER])
def test_wrong_role_gets_403_and_is_audited(client, tenant_a, make_member, role):
    user = make_member(tenant_a, role)
    client.force_login(user)
    assert client.get(tenant_reverse("audit_log", tenant_a)).status_code == 403
    [event] = audit_actions(tenant_a, AuditEvent.Action.PERMISSION_DENIED)
    assert event.actor == user and event.details == {"capability": "read_audit_log"}


def test_wrong_tenant_gets_404(client, tenant_a, owner_b):
    audit_record(tenant=tenant_a, action=AuditEvent.Action.LOGIN, target="secret-a")
    client.force_login(owner_b)
    response = client.get(tenant_reverse("audit_log", tenant_a))
    assert response.status_code == 404
    assert "secret-a" not in response.content.decode()
