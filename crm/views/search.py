"""Global search: results as you type (htmx partial) and a full results page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import require_capability
from accounts.roles import Capability
from accounts.urls_util import tenant_url_for_ids
from crm.selectors.search import SearchResults, contact_search

LIVE_LIMIT = 8
PAGE_LIMIT = 50


def _attach_urls(tenant: Any, results: SearchResults) -> None:
    """``url`` (and a contact's ``company_url``) on every result: one reverse per kind."""
    contact_url = tenant_url_for_ids("crm:contact_detail", tenant)
    company_url = tenant_url_for_ids("crm:company_detail", tenant)
    for contact in results.contacts:
        contact.url = contact_url(contact.pk)
        contact.company_url = company_url(contact.company_id) if contact.company_id else ""
    for company in results.companies:
        company.url = company_url(company.pk)


@require_capability(Capability.READ_CONTACTS)
def search(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:200]
    live = bool(getattr(request, "htmx", False)) and request.GET.get("live") == "1"
    results = (
        contact_search(tenant=request.tenant, query=query, limit=LIVE_LIMIT if live else PAGE_LIMIT)  # type: ignore[attr-defined]
        if query
        else None
    )
    if results is not None:
        _attach_urls(request.tenant, results)  # type: ignore[attr-defined]
    template = "crm/search.html#live" if live else "crm/search.html"
    return render(request, template, {"query": query, "results": results})
