"""Request-scoped tenancy and user preferences."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from accounts.models import RESERVED_SLUGS, Membership, Tenant
from accounts.tenancy import tenant_context


def tenant_slug_from_path(path: str) -> str | None:
    first = path.lstrip("/").split("/", 1)[0]
    if not first or first in RESERVED_SLUGS or "/" not in path.lstrip("/"):
        return None
    return first


def tenant_public(view: Callable) -> Callable:
    """Mark a tenant URL that non-members may open (e.g. accepting an invitation)."""
    view.tenant_public = True  # type: ignore[attr-defined]
    return view


class TenantMiddleware:
    """Binds the tenant named by the first path segment for the whole request.

    An unknown slug and a tenant the user is not a member of answer the same 404, so a URL
    never reveals whether another company uses Kontor. The binding is reset in ``finally``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        slug = tenant_slug_from_path(request.path_info)
        if slug is None:
            with tenant_context(None):
                return self.get_response(request)
        # A member's request needs one query for both; anyone else's one for the tenant.
        membership = None
        if request.user.is_authenticated:
            membership = (
                Membership.objects.filter(tenant__slug=slug, user=request.user)
                .select_related("tenant")
                .first()
            )
        tenant = membership.tenant if membership else Tenant.objects.filter(slug=slug).first()
        request.membership = membership  # type: ignore[attr-defined]
        request.tenant = tenant  # type: ignore[attr-defined]
        with tenant_context(tenant):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):  # type: ignore[no-untyped-def]
        if "tenant_slug" not in view_kwargs:
            return None
        view_kwargs.pop("tenant_slug")
        if getattr(view_func, "tenant_public", False) and request.tenant is not None:
            return None
        if request.tenant is not None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.membership is None:
            return render(request, "404.html", {"no_workspace": True}, status=404)
        return None


class UserPreferencesMiddleware:
    """Language: user → tenant default → browser. Time zone: user → tenant → UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        tenant = request.tenant if request.membership is not None else None  # type: ignore[attr-defined]
        language = (getattr(user, "language", "") if user.is_authenticated else "") or (
            tenant.default_language if tenant else ""
        )
        if not language:
            language = translation.get_language_from_request(request)
        zone_name = (getattr(user, "time_zone", "") if user.is_authenticated else "") or (
            tenant.time_zone if tenant else settings.TIME_ZONE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        timezone.activate(zoneinfo.ZoneInfo(zone_name))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)  # type: ignore[attr-defined]
        return response
