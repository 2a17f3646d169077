"""Helpers shared by the crm views: rights, lookups inside the tenant, query strings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import AuditEvent
from accounts.services import audit_record
from accounts.urls_util import tenant_reverse
from crm.models import Company, Contact
from crm.selectors.details import company_detail, contact_detail
from crm.services import rights

PAGE_SIZE = 50


def bind(request: HttpRequest) -> None:
    """Let the services reuse the membership the middleware loaded (no second query)."""
    request.user._kontor_membership = request.membership  # type: ignore[attr-defined, union-attr]


def role(request: HttpRequest) -> str | None:
    return request.membership.role if request.membership else None  # type: ignore[attr-defined]


def can_edit(request: HttpRequest, record: Any) -> bool:
    return rights.can_edit(role(request), request.user.pk, record)


def can_create(request: HttpRequest) -> bool:
    return rights.can_create(role(request))


def deny(request: HttpRequest, *, reason: str = "record") -> None:
    """Audit a denied write and answer 403 (the user is a member; the record's existence is no
    secret to them)."""
    audit_record(
        tenant=request.tenant,  # type: ignore[attr-defined]
        action=AuditEvent.Action.PERMISSION_DENIED,
        actor=request.user,  # type: ignore[arg-type]
        target=request.path[:300],
        ip_address=request.META.get("REMOTE_ADDR"),
        details={"reason": reason},
    )
    raise PermissionDenied


def require_edit(request: HttpRequest, record: Any) -> None:
    if not can_edit(request, record):
        deny(request)


def get_contact(request: HttpRequest, pk: Any, *, include_deleted: bool = False) -> Contact:
    """The contact ``pk`` of this tenant, or 404 (another tenant's id looks exactly missing)."""
    try:
        return contact_detail(tenant=request.tenant, pk=pk, include_deleted=include_deleted)  # type: ignore[attr-defined]
    except Contact.DoesNotExist:
        raise Http404 from None


def get_company(request: HttpRequest, pk: Any, *, include_deleted: bool = False) -> Company:
    try:
        return company_detail(tenant=request.tenant, pk=pk, include_deleted=include_deleted)  # type: ignore[attr-defined]
    except Company.DoesNotExist:
        raise Http404 from None


def turl(request: HttpRequest, name: str, *args: Any) -> str:
    return tenant_reverse(name, request.tenant, *args)  # type: ignore[attr-defined]


def tredirect(request: HttpRequest, name: str, *args: Any) -> HttpResponse:
    return redirect(turl(request, name, *args))


def query_without(params: Any, *names: str, **replace: str) -> str:
    """The query string of ``params`` without ``names`` (and with ``replace`` set)."""
    items: list[tuple[str, str]] = []
    for key in params:
        if key in names or key in replace:
            continue
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        items.extend((key, v) for v in values if v != "")
    items.extend((k, v) for k, v in replace.items() if v != "")
    return urlencode(items)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """A same-tenant relative URL from ``next`` (never an absolute or foreign target)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    prefix = f"/{request.tenant.slug}/"  # type: ignore[attr-defined]
    if target.startswith(prefix) and not target.startswith("//") and "\\" not in target:
        return target
    return fallback
