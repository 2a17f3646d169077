"""My tasks (and everyone's, for those who want to look)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import require_capability
from accounts.roles import Capability
from crm.selectors.lists import task_list_page
from crm.services.records import tenant_members
from crm.views.common import PAGE_SIZE, query_without


@require_capability(Capability.READ_CONTACTS)
def task_list(request: HttpRequest) -> HttpResponse:
    page = task_list_page(
        tenant=request.tenant,  # type: ignore[attr-defined]
        user=request.user,
        params=request.GET,
        cursor=request.GET.get("cursor"),
        page_size=PAGE_SIZE,
    )
    return render(
        request,
        "crm/task_list.html",
        {
            "page": page,
            "members": tenant_members(request.tenant),  # type: ignore[attr-defined]
            "next_query": query_without(request.GET, "cursor", cursor=page.next_cursor)
            if page.next_cursor
            else "",
            "prev_query": query_without(request.GET, "cursor", cursor=page.prev_cursor)
            if page.prev_cursor
            else "",
            "here": request.get_full_path(),
            "now": timezone.now(),
        },
    )
