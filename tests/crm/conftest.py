"""Fixtures for the contacts-core tests: members of tenant A in every role, a logged-in client."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from accounts.urls_util import tenant_reverse


@pytest.fixture
def members_a(tenant_a, make_member):  # type: ignore[no-untyped-def]
    """One member of tenant A per role, keyed by role."""
    return {
        role: make_member(tenant_a, role, email=f"{role}.member@alpha.test") for role in Role.values
    }


@pytest.fixture
def url():  # type: ignore[no-untyped-def]
    """``url(tenant, "crm:contact_detail", pk)``."""

    def reverse(tenant, name, *args):  # type: ignore[no-untyped-def]
        return tenant_reverse(name, tenant, *args)

    return reverse


@pytest.fixture
def login(client):  # type: ignore[no-untyped-def]
    def do(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return do
