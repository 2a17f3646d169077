"""Test database setup and shared fixtures.

The test database is created and migrated as the owner role; tests then run as the
application role (``default``), so PostgreSQL row-level security is in force exactly as in
production. Every fixture set has two tenants.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from psycopg import sql

from accounts.roles import Role
from accounts.tenancy import tenant_context
from tests.factories import MembershipFactory, TenantFactory, UserFactory


def _test_database_name() -> str:
    base = os.environ.get("KONTOR_TEST_DB", "test_" + settings.DATABASES["default"]["NAME"])
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{base}_{worker}" if worker else base


def _owner_dsn(dbname: str) -> str:
    owner = settings.DATABASES["owner"]
    params = {
        "dbname": dbname,
        "user": owner["USER"],
        "password": owner.get("PASSWORD") or None,
        "host": owner.get("HOST") or owner.get("OPTIONS", {}).get("host") or None,
        "port": owner.get("PORT") or None,
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v})


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):  # type: ignore[no-untyped-def]
    name = _test_database_name()
    app_role = settings.DATABASES["default"]["USER"]
    with psycopg.connect(_owner_dsn("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    for alias in ("default", "owner"):
        settings.DATABASES[alias]["NAME"] = name
        connections[alias].close()
        connections[alias].settings_dict["NAME"] = name
    with django_db_blocker.unblock():
        call_command("migrate", database="owner", verbosity=0, interactive=False)
        with connections["owner"].cursor() as cursor:
            # Test-only: transactional tests (the browser journeys) reset tables with TRUNCATE.
            cursor.execute(
                sql.SQL("GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {}")
                .format(sql.Identifier(app_role))
                .as_string()
            )
        connections["owner"].close()
    yield
    for alias in ("default", "owner"):
        connections[alias].close()
    if not os.environ.get("KONTOR_KEEP_TEST_DB"):
        with psycopg.connect(_owner_dsn("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def tenant_a(db):  # type: ignore[no-untyped-def]
    return TenantFactory(slug="alpha", name="Alpha GmbH")


@pytest.fixture
def tenant_b(db):  # type: ignore[no-untyped-def]
    return TenantFactory(slug="bravo", name="Bravo Ltd", default_language="en")


@pytest.fixture
def make_member(db):  # type: ignore[no-untyped-def]
    """``make_member(tenant, role)`` → a user with a verified email and that role."""

    def make(tenant, role: str = Role.SALES_REP, **user_fields):  # type: ignore[no-untyped-def]
        user = UserFactory(**user_fields)
        MembershipFactory(tenant=tenant, user=user, role=role)
        return user

    return make


@pytest.fixture
def owner_a(tenant_a, make_member):  # type: ignore[no-untyped-def]
    return make_member(tenant_a, Role.OWNER, email="owner@alpha.test")


@pytest.fixture
def owner_b(tenant_b, make_member):  # type: ignore[no-untyped-def]
    return make_member(tenant_b, Role.OWNER, email="owner@bravo.test")


@pytest.fixture
def in_tenant():  # type: ignore[no-untyped-def]
    """``with in_tenant(tenant): …`` binds a tenant for factory calls inside a test."""
    return tenant_context
