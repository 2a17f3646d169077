"""Writes for identity and tenancy. Keyword-only, typed; views and tasks call these.

Business rules raise ``django.core.exceptions.ValidationError`` with a message meant for the
person who tried; views turn it into a form or page error. Nothing is half-written: every
service runs in one transaction and checks before it writes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Invitation, Membership, Tenant, User
from accounts.roles import ASSIGNABLE_BY, Role
from accounts.tenancy import tenant_context

INVITATION_VALIDITY = timedelta(days=7)


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


# --- Tenant settings ----------------------------------------------------------------------

TENANT_SETTINGS_FIELDS = (
    "name",
    "default_language",
    "enabled_languages",
    "default_currency",
    "reporting_currency",
    "time_zone",
    "fiscal_year_start_month",
)


def tenant_settings_update(
    *, tenant: Tenant, actor: User, data: dict[str, Any], ip_address: str | None = None
) -> list[str]:
    """Apply the changed settings in ``data`` to ``tenant``; audit them. Returns the changed
    field names (empty when nothing changed)."""
    unknown = set(data) - set(TENANT_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not a tenant setting: {sorted(unknown)}")
    enabled = data.get("enabled_languages", tenant.enabled_languages)
    default = data.get("default_language", tenant.default_language)
    if default not in enabled:
        raise ValidationError(
            {"default_language": _("The default language must be one of the enabled languages.")}
        )
    changes = {
        field: {"from": getattr(tenant, field), "to": value}
        for field, value in data.items()
        if getattr(tenant, field) != value
    }
    if not changes:
        return []
    with transaction.atomic():
        for field in changes:
            setattr(tenant, field, data[field])
        tenant.save(update_fields=list(changes))
        audit_record(
            tenant=tenant, action=AuditEvent.Action.SETTINGS_CHANGED, actor=actor,
            target=tenant.slug, ip_address=ip_address, details={"changes": changes},
        )  # fmt: skip
    return list(changes)


# --- Members ------------------------------------------------------------------------------


def _locked_owner_ids(tenant: Tenant) -> list[int]:
    """Lock the tenant's owner memberships so two owners cannot demote each other at once."""
    return list(
        Membership.objects.select_for_update()
        .filter(tenant=tenant, role=Role.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def membership_change_role(
    *,
    membership: Membership,
    actor: Membership,
    role: str,
    ip_address: str | None = None,
) -> Membership:
    """Give ``membership`` a new ``role``, as ``actor`` (a membership of the same tenant)."""
    if membership.tenant_id != actor.tenant_id:
        raise ValidationError(_("This person is not a member of this workspace."))
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    if role not in ASSIGNABLE_BY.get(actor.role, set()):
        raise ValidationError(_("You may not give this role. Only an owner can make an owner."))
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise ValidationError(_("Only an owner can change the role of an owner."))
    with transaction.atomic():
        owners = _locked_owner_ids(membership.tenant)
        membership.refresh_from_db(fields=["role"])
        old_role = membership.role
        if old_role == role:
            return membership
        if old_role == Role.OWNER and owners == [membership.pk]:
            raise ValidationError(
                _("This is the last owner of the workspace. Make someone else an owner first.")
            )
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            tenant=membership.tenant_id, action=AuditEvent.Action.ROLE_CHANGED, actor=actor.user,
            target=membership.user.email, ip_address=ip_address,
            details={"from": old_role, "to": role, "user_id": membership.user_id},
        )  # fmt: skip
    return membership


def membership_remove(
    *, membership: Membership, actor: Membership, ip_address: str | None = None
) -> None:
    """Remove ``membership`` from its tenant, as ``actor``."""
    if membership.tenant_id != actor.tenant_id:
        raise ValidationError(_("This person is not a member of this workspace."))
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise ValidationError(_("Only an owner can remove an owner."))
    with transaction.atomic():
        owners = _locked_owner_ids(membership.tenant)
        membership.refresh_from_db(fields=["role"])
        if membership.role == Role.OWNER and owners == [membership.pk]:
            raise ValidationError(
                _("This is the last owner of the workspace and cannot be removed.")
            )
        audit_record(
            tenant=membership.tenant_id, action=AuditEvent.Action.MEMBER_REMOVED,
            actor=actor.user, target=membership.user.email, ip_address=ip_address,
            details={"role": membership.role, "user_id": membership.user_id},
        )  # fmt: skip
        membership.delete()


# --- Invitations --------------------------------------------------------------------------


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, invitation_token_hash(token)


def _enqueue_invitation_email(invitation: Invitation, join_url: str) -> None:
    from accounts.tasks import send_invitation_email

    tenant_id, invitation_id = invitation.tenant_id, invitation.pk
    transaction.on_commit(
        lambda: send_invitation_email.delay(
            tenant_id=tenant_id, invitation_id=invitation_id, join_url=join_url
        )
    )


def _join_url(base_url: str, tenant: Tenant, token: str) -> str:
    from accounts.urls_util import tenant_reverse

    return base_url.rstrip("/") + tenant_reverse("invitation_accept", tenant, token=token)


def invitation_create(
    *,
    tenant: Tenant,
    actor: Membership,
    email: str,
    role: str,
    base_url: str,
    ip_address: str | None = None,
) -> Invitation:
    """Invite ``email`` to ``tenant`` with ``role``; the mail goes out after commit.

    ``base_url`` is the scheme and host the link in the mail starts with.
    """
    email = email.strip().lower()
    if actor.tenant_id != tenant.pk:
        raise ValidationError(_("You are not a member of this workspace."))
    if role not in ASSIGNABLE_BY.get(actor.role, set()):
        raise ValidationError(
            {"role": _("You may not give this role. Only an owner can invite an owner.")}
        )
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member of the workspace.")})
    with tenant_context(tenant):
        pending = Invitation.objects.filter(
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        if pending.exists():
            raise ValidationError(
                {"email": _("This address already has a pending invitation. Resend it instead.")}
            )
        token, token_hash = _new_token()
        now = timezone.now()
        with transaction.atomic():
            invitation = Invitation.objects.create(
                tenant=tenant, email=email, role=role, token_hash=token_hash,
                invited_by=actor.user, created_at=now, expires_at=now + INVITATION_VALIDITY,
            )  # fmt: skip
            audit_record(
                tenant=tenant, action=AuditEvent.Action.INVITATION_SENT, actor=actor.user,
                target=email, ip_address=ip_address, details={"role": role},
            )  # fmt: skip
            _enqueue_invitation_email(invitation, _join_url(base_url, tenant, token))
    return invitation


def invitation_resend(
    *,
    invitation: Invitation,
    actor: Membership,
    base_url: str,
    ip_address: str | None = None,
) -> Invitation:
    """Send a still-open invitation again with a fresh token and a fresh 7-day validity.
    The old link stops working."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation has been revoked."))
    if invitation.role not in ASSIGNABLE_BY.get(actor.role, set()):
        raise ValidationError(_("Only an owner can resend an invitation to become an owner."))
    token, token_hash = _new_token()
    with tenant_context(invitation.tenant_id), transaction.atomic():
        invitation.token_hash = token_hash
        invitation.expires_at = timezone.now() + INVITATION_VALIDITY
        invitation.save(update_fields=["token_hash", "expires_at"])
        audit_record(
            tenant=invitation.tenant_id, action=AuditEvent.Action.INVITATION_SENT,
            actor=actor.user, target=invitation.email, ip_address=ip_address,
            details={"role": invitation.role, "resent": True},
        )  # fmt: skip
        _enqueue_invitation_email(invitation, _join_url(base_url, invitation.tenant, token))
    return invitation


def invitation_revoke(
    *, invitation: Invitation, actor: Membership, ip_address: str | None = None
) -> Invitation:
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    if invitation.revoked_at is not None:
        return invitation
    if invitation.role not in ASSIGNABLE_BY.get(actor.role, set()):
        raise ValidationError(_("Only an owner can revoke an invitation to become an owner."))
    with tenant_context(invitation.tenant_id), transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            tenant=invitation.tenant_id, action=AuditEvent.Action.INVITATION_REVOKED,
            actor=actor.user, target=invitation.email, ip_address=ip_address,
        )  # fmt: skip
    return invitation


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation cannot be used, as a message for its holder; ``None`` if it can."""
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied all of it.")
    if invitation.revoked_at is not None:
        return _("This invitation has been withdrawn. Ask the workspace admin for a new one.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Ask the workspace admin to send it again.")
    return None


def invitation_accept(
    *, tenant: Tenant, token: str, user: User, ip_address: str | None = None
) -> Membership:
    """``user`` joins ``tenant`` with the role of the invitation that ``token`` opens.

    The invitation is looked up inside ``tenant`` only: a token can never join anyone to
    another tenant. The user's verified email address must be the invited one.
    """
    with tenant_context(tenant), transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(token_hash=invitation_token_hash(token))
            .first()
        )
        problem = invitation_problem(invitation)
        if problem:
            raise ValidationError(problem)
        assert invitation is not None
        if not EmailAddress.objects.filter(
            user=user, email__iexact=invitation.email, verified=True
        ).exists():
            raise ValidationError(
                _(
                    "This invitation was sent to %(email)s. Log in with that address (and "
                    "confirm it) to accept it."
                )
                % {"email": invitation.email}
            )
        if Membership.objects.filter(tenant=tenant, user=user).exists():
            raise ValidationError(_("You are already a member of this workspace."))
        membership = Membership.objects.create(tenant=tenant, user=user, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            tenant=tenant, action=AuditEvent.Action.MEMBER_JOINED, actor=user,
            target=user.email, ip_address=ip_address,
            details={"role": invitation.role, "invitation_id": invitation.pk},
        )  # fmt: skip
    return membership


def invitation_send_email(*, invitation: Invitation, join_url: str) -> None:
    """Mail the invitation link, in the tenant's default language."""
    tenant = invitation.tenant
    with translation.override(tenant.default_language):
        context = {
            "tenant": tenant,
            "invitation": invitation,
            "inviter": invitation.invited_by,
            "role": invitation.get_role_display(),
            "join_url": join_url,
            "valid_days": INVITATION_VALIDITY.days,
        }
        subject = render_to_string("accounts/email/invitation_subject.txt", context)
        body = render_to_string("accounts/email/invitation_message.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    EmailMessage(subject=subject, body=body, to=[invitation.email]).send()


# --- Personal settings --------------------------------------------------------------------


def user_preferences_update(
    *, user: User, first_name: str, last_name: str, language: str, time_zone: str
) -> User:
    user.first_name = first_name
    user.last_name = last_name
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["first_name", "last_name", "language", "time_zone"])
    return user
