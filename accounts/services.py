"""Writes for identity and tenancy. Keyword-only, typed; views and tasks call these."""

from __future__ import annotations

from django.db import transaction

from accounts.models import AuditEvent, Membership, Tenant, User
from accounts.roles import Role
from accounts.tenancy import tenant_context


def tenant_create(*, name: str, slug: str, owner: User, default_language: str = "en") -> Tenant:
    """Create a tenant with ``owner`` as its first owner."""
    with transaction.atomic():
        tenant = Tenant.objects.create(
            name=name,
            slug=slug,
            default_language=default_language,
            enabled_languages=[default_language],
        )
        Membership.objects.create(tenant=tenant, user=owner, role=Role.OWNER)
    return tenant


def audit_record(
    *,
    tenant: Tenant | int,
    action: str,
    actor: User | None = None,
    target: str = "",
    ip_address: str | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Append an audit event to ``tenant``'s log (binds the tenant for the write)."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    with tenant_context(tenant_id):
        return AuditEvent.objects.create(
            action=action,
            actor=actor if actor is not None and actor.is_authenticated else None,
            target=target[:300],
            ip_address=ip_address,
            details=details or {},
        )
