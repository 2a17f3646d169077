"""Global search: results as you type (htmx partial) and a full results page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import require_capability
from accounts.roles import Capability
from crm.selectors.search import contact_search

LIVE_LIMIT = 8
PAGE_LIMIT = 50


@require_capability(Capability.READ_CONTACTS)
def search(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:200]
    live = bool(getattr(request, "htmx", False)) and request.GET.get("live") == "1"
    results = (
        contact_search(tenant=request.tenant, query=query, limit=LIVE_LIMIT if live else PAGE_LIMIT)  # type: ignore[attr-defined]
        if query
        else None
    )
    template = "crm/search.html#live" if live else "crm/search.html"
    return render(request, template, {"query": query, "results": results})
