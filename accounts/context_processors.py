from typing import Any

from django.http import HttpRequest

from accounts.models import Membership


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The current tenant and membership, and the user's other workspaces for the switcher."""
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "tenant": getattr(request, "tenant", None) if getattr(request, "membership", None) else None,
        "membership": getattr(request, "membership", None),
    }

    def other_memberships() -> list[Membership]:
        if user is None or not user.is_authenticated:
            return []
        return list(Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name"))

    context["my_memberships"] = other_memberships
    return context
