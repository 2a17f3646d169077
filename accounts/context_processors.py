from typing import Any

from django.http import HttpRequest

from accounts.roles import ROLE_CAPABILITIES
from accounts.selectors import workspace_switcher


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The current tenant and membership, the member's capabilities (for nav links:
    ``{% if "manage_members" in capabilities %}``), and the user's workspaces for the
    switcher (a callable, so the query only runs when a template uses it)."""
    user = getattr(request, "user", None)
    membership = getattr(request, "membership", None)
    context: dict[str, Any] = {
        "tenant": getattr(request, "tenant", None) if membership else None,
        "membership": membership,
        "capabilities": frozenset(
            str(c) for c in ROLE_CAPABILITIES.get(membership.role, ())
        ) if membership else frozenset(),
    }  # fmt: skip

    def other_memberships() -> list[dict[str, Any]]:
        if user is None or not user.is_authenticated:
            return []
        return workspace_switcher(user)

    context["my_memberships"] = other_memberships
    return context
