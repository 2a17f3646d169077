"""Reads for identity and tenancy shared by views and tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import AuditEvent, Invitation, Membership, Tenant, User
from accounts.roles import Role
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse

# Session key holding the invitation a visitor opened before logging in or signing up.
INVITATION_SESSION_KEY = "kontor_invitation"


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


SWITCHER_CACHE_SECONDS = 600


def _switcher_key(user_id: int) -> str:
    return f"kontor:workspaces:{user_id}"


def workspace_switcher(user: User) -> list[dict[str, Any]]:
    """``{"tenant_id", "slug", "name"}`` of the user's workspaces by name, for the switcher on
    every page: cached per user (a query a page otherwise), dropped when a membership of the
    user or a workspace's name changes (``accounts.signals``)."""
    key = _switcher_key(user.pk)
    entries = cache.get(key)
    if entries is None:
        entries = [
            {"tenant_id": m.tenant_id, "slug": m.tenant.slug, "name": m.tenant.name}
            for m in memberships_of(user)
        ]
        cache.set(key, entries, SWITCHER_CACHE_SECONDS)
    return entries


def forget_workspace_switcher(user_ids: list[int]) -> None:
    cache.delete_many([_switcher_key(user_id) for user_id in user_ids])


def home_url_for(user: User) -> str:
    """Where a user lands after login: their first workspace's home, else the switcher."""
    first = memberships_of(user).first() if user.is_authenticated else None
    if first is None:
        return reverse("workspaces")
    return tenant_reverse("tenant_home", first.tenant)


def members_of(tenant: Tenant) -> QuerySet[Membership]:
    """Every membership of ``tenant`` with its user, owners first, then by name."""
    return (
        Membership.objects.filter(tenant=tenant)
        .select_related("user")
        .annotate(
            role_rank=Case(
                *(When(role=role, then=Value(rank)) for rank, role in enumerate(Role.values)),
                default=Value(len(Role.values)),
            )
        )
        .order_by("role_rank", "user__last_name", "user__first_name", "user__email")
    )


def membership_in_tenant(tenant: Tenant, pk: Any) -> Membership | None:
    """A membership of ``tenant`` by id; ``None`` for another tenant's or a missing one."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Membership.objects.filter(tenant=tenant, pk=pk).select_related("user", "tenant").first()


def pending_invitations() -> QuerySet[Invitation]:
    """Open invitations of the bound tenant, newest first."""
    return (
        Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def invitation_by_token(token: str) -> Invitation | None:
    """The bound tenant's invitation for ``token`` (in any state), or ``None``."""
    from accounts.services import invitation_token_hash

    return (
        Invitation.objects.filter(token_hash=invitation_token_hash(token))
        .select_related("tenant", "invited_by")
        .first()
    )


def invitation_in_session(request: HttpRequest) -> tuple[Invitation, str] | None:
    """The still-usable invitation (and its token) a visitor opened in this session."""
    stored = request.session.get(INVITATION_SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    tenant = Tenant.objects.filter(pk=stored.get("tenant_id")).first()
    token = stored.get("token")
    if tenant is None or not isinstance(token, str):
        return None
    with tenant_context(tenant):
        invitation = invitation_by_token(token)
    if invitation is None or not invitation.is_pending:
        return None
    return invitation, token


def invitation_url_in_session(request: HttpRequest) -> str | None:
    """The join page of the invitation in this session, to return to after login/sign-up."""
    found = invitation_in_session(request)
    if found is None:
        return None
    invitation, token = found
    return tenant_reverse("invitation_accept", invitation.tenant, token=token)


@dataclass
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str | None


AUDIT_PAGE_SIZE = 50


def _parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    stamp, _, pk = (cursor or "").rpartition("_")
    moment = parse_datetime(stamp) if stamp else None
    if moment is None or not pk.isdigit():
        return None
    return moment, int(pk)


def audit_events_page(
    *, cursor: str = "", action: str = "", page_size: int = AUDIT_PAGE_SIZE
) -> AuditPage:
    """One page of the bound tenant's audit log, newest first, by keyset (never OFFSET).

    ``cursor`` is the ``next_cursor`` of the previous page; a bad cursor starts over.
    """
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-pk")
    if action:
        events = events.filter(action=action)
    position = _parse_cursor(cursor)
    if position is not None:
        moment, pk = position
        events = events.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(events[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = f"{last.created_at.isoformat()}_{last.pk}"
    return AuditPage(events=rows, next_cursor=next_cursor)
