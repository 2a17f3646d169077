"""Fixtures for the accounts tests: one member of each role where needed, a clean cache."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.tenancy import tenant_context


@pytest.fixture(autouse=True)
def _clean_cache():  # type: ignore[no-untyped-def]
    """allauth's rate limits and the admin lockout count in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_a(tenant_a, make_member):  # type: ignore[no-untyped-def]
    return make_member(tenant_a, Role.ADMIN, email="admin@alpha.test")


@pytest.fixture
def rep_a(tenant_a, make_member):  # type: ignore[no-untyped-def]
    return make_member(tenant_a, Role.SALES_REP, email="rep@alpha.test")


def audit_actions(tenant, action: str | None = None) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        events = AuditEvent.objects.order_by("created_at", "pk")
        if action:
            events = events.filter(action=action)
        return list(events)


def link_in(body: str, pattern: str) -> str:
    match = re.search(pattern, body)
    assert match, f"no {pattern!r} in {body!r}"
    return match.group(0)
