"""Capability checks for tenant views. A denial is audited and answers 403 (the user is a
member, so the tenant's existence is no secret to them).

The 403 is returned, not raised: with ``ATOMIC_REQUESTS`` an exception leaving the view rolls
back the request's transaction, and the audit event of the denial with it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import AuditEvent
from accounts.services import audit_record


def require_capability(capability: str) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = request.membership  # type: ignore[attr-defined]
            if membership is None or not membership.can(capability):
                audit_record(
                    tenant=request.tenant,  # type: ignore[attr-defined]
                    action=AuditEvent.Action.PERMISSION_DENIED,
                    actor=request.user,  # type: ignore[arg-type]
                    target=request.path[:300],
                    ip_address=request.META.get("REMOTE_ADDR"),
                    details={"capability": str(capability)},
                )
                return render(request, "403.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
