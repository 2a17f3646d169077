"""Capability checks that need more than one capability or the record (for views of crm.privacy
and crm.dedupe). Denials are audited and *returned* as 403 responses, like
``accounts.permissions.require_capability``: with ATOMIC_REQUESTS a raised exception would roll
the audit entry back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import AuditEvent
from accounts.roles import Capability
from accounts.services import audit_record


def can_any(request: HttpRequest, *capabilities: str) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and any(membership.can(c) for c in capabilities)


def can_record_consent(request: HttpRequest, contact: object) -> bool:
    """Editors of the record (all records, or sales reps' own and unowned ones) and marketers."""
    if can_any(request, Capability.EDIT_ALL_RECORDS, Capability.RUN_CAMPAIGNS):
        return True
    if can_any(request, Capability.EDIT_OWN_RECORDS):
        owner_id = getattr(contact, "owner_id", None)
        return owner_id is None or owner_id == request.user.pk
    return False


def forbidden(request: HttpRequest, *capabilities: str) -> HttpResponse:
    audit_record(
        tenant=request.tenant,  # type: ignore[attr-defined]
        action=AuditEvent.Action.PERMISSION_DENIED,
        actor=request.user,  # type: ignore[arg-type]
        target=request.path[:300],
        ip_address=request.META.get("REMOTE_ADDR"),
        details={"capability": " | ".join(str(c) for c in capabilities)},
    )
    return render(request, "403.html", status=403)
