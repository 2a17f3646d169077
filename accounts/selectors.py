"""Reads for identity and tenancy shared by views and tasks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import Membership, User
from accounts.urls_util import tenant_reverse


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def home_url_for(user: User) -> str:
    """Where a user lands after login: their first workspace's home, else the switcher."""
    first = memberships_of(user).first() if user.is_authenticated else None
    if first is None:
        return reverse("workspaces")
    return tenant_reverse("tenant_home", first.tenant)
