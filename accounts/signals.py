"""Audit receivers for Django's auth signals (they only record; the work is in services), and
the workspace switcher's cache invalidation."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import AuditEvent, Membership, Tenant, User
from accounts.selectors import forget_workspace_switcher
from accounts.services import audit_record


def client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_login_failed, dispatch_uid="kontor_audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A failed login is written to the audit log of every tenant the account belongs to."""
    email = (credentials.get("email") or credentials.get("username") or "").strip().lower()
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is None:
        return
    for tenant_id in Membership.objects.filter(user=user).values_list("tenant_id", flat=True):
        audit_record(
            tenant=tenant_id, action=AuditEvent.Action.LOGIN_FAILED, target=user.email,
            ip_address=client_ip(request),
        )  # fmt: skip


@receiver(user_logged_in, dispatch_uid="kontor_audit_login")
def audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    for tenant_id in Membership.objects.filter(user=user).values_list("tenant_id", flat=True):
        audit_record(
            tenant=tenant_id, action=AuditEvent.Action.LOGIN, actor=user, target=user.email,
            ip_address=client_ip(request),
        )  # fmt: skip


@receiver(post_save, sender=Membership, dispatch_uid="kontor_switcher_membership_saved")
@receiver(post_delete, sender=Membership, dispatch_uid="kontor_switcher_membership_deleted")
def membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    forget_workspace_switcher([instance.user_id])


@receiver(post_save, sender=Tenant, dispatch_uid="kontor_switcher_tenant_saved")
def tenant_saved(sender: Any, instance: Tenant, **kwargs: Any) -> None:
    # A renamed workspace: every member's switcher shows the name.
    forget_workspace_switcher(
        list(Membership.objects.filter(tenant=instance).values_list("user_id", flat=True))
    )
