"""The tenancy kernel: model inventory, fail-closed manager, PostgreSQL row-level security."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction

from accounts.models import AuditEvent, Invitation
from accounts.services import audit_record
from accounts.tenancy import TenantNotBound, is_tenant_owned, tenant_context

# Every concrete model is tenant-owned or listed here with the reason it is shared.
EXEMPT_MODELS: dict[str, str] = {
    "accounts.Tenant": "the tenant itself",
    "accounts.User": "global identity: one person may belong to several tenants",
    "accounts.Membership": "routes a global user to their tenants; read across tenants, "
    "always filtered by the user",
    "auth.Permission": "Django's global permission catalogue (platform admin only)",
    "auth.Group": "platform-staff groups for the Django admin; tenants use Membership roles",
    "auth.Group_permissions": "through table of platform-staff groups",
    "accounts.User_groups": "through table of platform-staff groups",
    "accounts.User_user_permissions": "through table of platform-staff permissions",
    "contenttypes.ContentType": "Django's global model catalogue",
    "sessions.Session": "login sessions belong to a user, not a tenant",
    "admin.LogEntry": "platform-staff actions in the Django admin",
    "account.EmailAddress": "allauth: belongs to the global user",
    "account.EmailConfirmation": "allauth: belongs to the global user",
    "mfa.Authenticator": "allauth MFA: belongs to the global user",
}


def all_models() -> list[type]:
    models = []
    for model in apps.get_models(include_auto_created=True):
        models.append(model)
    return models


def label(model: type) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}"


def test_every_model_is_tenant_owned_or_exempt_with_a_reason() -> None:
    unexplained = [
        label(model)
        for model in all_models()
        if not is_tenant_owned(model) and label(model) not in EXEMPT_MODELS
    ]
    assert unexplained == [], (
        "Make these TenantOwned (M2M: use an explicit TenantOwned through model) or add them "
        f"to EXEMPT_MODELS with a reason: {unexplained}"
    )
    stale = set(EXEMPT_MODELS) - {label(model) for model in all_models()}
    assert stale == set(), f"EXEMPT_MODELS lists models that no longer exist: {stale}"


@pytest.mark.django_db
def test_every_tenant_owned_table_has_forced_row_level_security() -> None:
    tenant_tables = {m._meta.db_table for m in all_models() if is_tenant_owned(m)}
    assert tenant_tables, "expected tenant-owned tables"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY(%s)
            """,
            [list(tenant_tables)],
        )
        rows = {name: (enabled, forced, policies) for name, enabled, forced, policies in cursor}
    assert set(rows) == tenant_tables
    for table, (enabled, forced, policies) in rows.items():
        assert enabled and forced and policies >= 1, (
            f"{table}: RLS {enabled=} {forced=} {policies=}"
        )


@pytest.mark.django_db
def test_every_table_with_a_tenant_column_has_forced_row_level_security() -> None:
    """Catches tables created outside the ORM models as well."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
              AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
            """
        )
        unprotected = [name for (name,) in cursor]
    assert unprotected == ["accounts_membership"]  # exempt, see EXEMPT_MODELS


@pytest.mark.django_db
def test_application_role_is_neither_superuser_nor_bypassrls_and_owns_nothing() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user"
        )
        assert cursor.fetchone() == (0,)
    assert settings.DATABASES["default"]["USER"] != settings.DATABASES["owner"]["USER"]


def test_scoped_manager_fails_closed_without_a_tenant() -> None:
    with pytest.raises(TenantNotBound):
        list(AuditEvent.objects.all())
    with pytest.raises(TenantNotBound):
        Invitation.objects.filter(email="x@example.test").exists()


@pytest.mark.django_db
def test_scoped_manager_sees_only_the_bound_tenant(tenant_a, tenant_b) -> None:
    audit_record(tenant=tenant_a, action=AuditEvent.Action.LOGIN, target="a")
    audit_record(tenant=tenant_b, action=AuditEvent.Action.LOGIN, target="b")
    with tenant_context(tenant_a):
        assert list(AuditEvent.objects.values_list("target", flat=True)) == ["a"]
    with tenant_context(tenant_b):
        assert list(AuditEvent.objects.values_list("target", flat=True)) == ["b"]


@pytest.mark.django_db
def test_raw_sql_sees_no_tenant_rows_without_a_binding_and_only_its_own_with_one(
    tenant_a, tenant_b
):
    audit_record(tenant=tenant_a, action=AuditEvent.Action.LOGIN, target="a")
    audit_record(tenant=tenant_b, action=AuditEvent.Action.LOGIN, target="b")
    query = "SELECT tenant_id, target FROM accounts_auditevent ORDER BY target"
    with tenant_context(None), connection.cursor() as cursor:
        cursor.execute(query)
        assert cursor.fetchall() == []
    with tenant_context(tenant_a), connection.cursor() as cursor:
        cursor.execute(query)
        assert cursor.fetchall() == [(tenant_a.pk, "a")]
    # Even the unscoped ORM manager cannot see across tenants: PostgreSQL refuses.
    with tenant_context(tenant_a):
        assert set(AuditEvent.unscoped.values_list("target", flat=True)) == {"a"}


@pytest.mark.django_db
def test_database_refuses_writes_into_another_tenant(tenant_a, tenant_b) -> None:
    from django.db.utils import ProgrammingError

    with (
        tenant_context(tenant_a),
        pytest.raises(ProgrammingError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO accounts_auditevent (tenant_id, created_at, action, target, details) "
            "VALUES (%s, now(), 'login', 'x', '{}')",
            [tenant_b.pk],
        )


@pytest.mark.django_db
def test_creating_for_another_tenant_than_the_bound_one_is_refused(tenant_a, tenant_b) -> None:
    with tenant_context(tenant_a), pytest.raises(TenantNotBound):
        AuditEvent.objects.create(tenant=tenant_b, action="login")


@pytest.mark.django_db(transaction=True)
def test_tenant_setting_does_not_leak_past_the_transaction(tenant_a) -> None:
    """Autocommit queries with a tenant bound get their own short transaction."""
    audit_record(tenant=tenant_a, action=AuditEvent.Action.LOGIN, target="a")
    with tenant_context(tenant_a):
        assert AuditEvent.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('kontor.tenant_id', true)")
        assert cursor.fetchone()[0] in (None, "")
        cursor.execute("SELECT count(*) FROM accounts_auditevent")
        assert cursor.fetchone() == (0,)
    connections["default"].close()
