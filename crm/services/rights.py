"""Who may do what to a contact or company.

- owners, admins and managers (``EDIT_ALL_RECORDS``): every record of the tenant;
- sales reps (``EDIT_OWN_RECORDS``): records they own and unowned ones (there is no teams model
  yet, so "team" records are the unowned ones); they may only make themselves the owner;
- support agents, marketers and viewers: read only (``READ_CONTACTS``).

Services call ``require_*``; they raise ``PermissionDenied``. ``actor=None`` means the system
(a task or an import job already authorised when it was started) and skips the checks.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from accounts.models import Membership
from accounts.roles import Capability, has_capability


def membership_of(tenant: Any, actor: Any) -> Membership | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    cached = getattr(actor, "_kontor_membership", None)
    if cached is not None and cached.tenant_id == tenant.pk:
        return cached
    membership = Membership.objects.filter(tenant=tenant, user=actor).first()
    if membership is not None:
        actor._kontor_membership = membership
    return membership


def role_of(tenant: Any, actor: Any) -> str | None:
    membership = membership_of(tenant, actor)
    return membership.role if membership else None


def can_create(role: str | None) -> bool:
    return bool(role) and (
        has_capability(role, Capability.EDIT_ALL_RECORDS)
        or has_capability(role, Capability.EDIT_OWN_RECORDS)
    )


def can_edit(role: str | None, user_id: int | None, record: Any) -> bool:
    """May a member with ``role`` (user ``user_id``) change ``record`` (anything with ``owner_id``)?"""
    if not role:
        return False
    if has_capability(role, Capability.EDIT_ALL_RECORDS):
        return True
    if has_capability(role, Capability.EDIT_OWN_RECORDS):
        return record.owner_id is None or record.owner_id == user_id
    return False


def can_assign_anyone(role: str | None) -> bool:
    return bool(role) and has_capability(role, Capability.EDIT_ALL_RECORDS)


def require_create(tenant: Any, actor: Any) -> None:
    if actor is not None and not can_create(role_of(tenant, actor)):
        raise PermissionDenied


def require_edit(tenant: Any, actor: Any, record: Any) -> None:
    if actor is not None and not can_edit(role_of(tenant, actor), actor.pk, record):
        raise PermissionDenied


def require_capability(tenant: Any, actor: Any, capability: str) -> None:
    if actor is None:
        return
    role = role_of(tenant, actor)
    if not role or not has_capability(role, capability):
        raise PermissionDenied
