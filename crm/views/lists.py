"""Contact and company lists, bulk actions, saved views and the trash."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import require_capability
from accounts.roles import Capability
from crm.formatting import person
from crm.forms import BulkActionForm, SavedViewForm
from crm.forms.records import owner_choices
from crm.models import Company, Contact, Entity, LifecycleStage, SavedView, Tag
from crm.selectors.lists import company_list_page, contact_list_page, trash_page
from crm.services.companies import company_bulk_action, company_restore
from crm.services.contacts import contact_bulk_action, contact_restore
from crm.services.custom_fields import definitions_for
from crm.services.records import RESTORE_DAYS, restore_deadline, tenant_members
from crm.views.common import (
    PAGE_SIZE,
    bind,
    can_create,
    deny,
    query_without,
    role,
    safe_next,
    tredirect,
    turl,
)
from crm.views.rows import company_rows_html, contact_rows_html


def _sort_links(request: HttpRequest, current: str) -> dict[str, dict[str, str]]:
    links = {}
    for key in ("name", "created", "updated"):
        descending = current == key  # clicking the active ascending column flips it
        target = f"-{key}" if descending else key
        links[key] = {
            "url": "?" + query_without(request.GET, "cursor", sort=target),
            "state": "asc" if current == key else ("desc" if current == f"-{key}" else ""),
        }
    return links


def _list(request: HttpRequest, entity: str) -> HttpResponse:
    bind(request)
    tenant = request.tenant  # type: ignore[attr-defined]
    lister = contact_list_page if entity == Entity.CONTACT else company_list_page
    page = lister(
        tenant=tenant,
        user=request.user,
        params=request.GET,
        cursor=request.GET.get("cursor"),
        page_size=PAGE_SIZE,
    )
    for message in page.errors.values():
        messages.warning(request, message)
    rows_html = (contact_rows_html if entity == Entity.CONTACT else company_rows_html)(
        page.rows, tenant=tenant
    )
    members = tenant_members(tenant)
    tags = list(Tag.objects.order_by("name")[:500])
    base_query = query_without(request.GET, "cursor")
    context: dict[str, Any] = {
        "entity": entity,
        "page": page,
        "rows_html": rows_html,
        "members": members,
        "tags": tags,
        "tag_choices": [(tag.pk, tag.name) for tag in tags],
        "member_choices": [(member.pk, person(member)) for member in members],
        "definitions": definitions_for(tenant, entity),
        "saved_views": SavedView.objects.filter(user=request.user, entity=entity).order_by("name"),
        "stages": LifecycleStage.choices,
        "sort_links": _sort_links(request, page.sort),
        "base_query": base_query,
        "next_query": query_without(request.GET, "cursor", cursor=page.next_cursor)
        if page.next_cursor
        else "",
        "prev_query": query_without(request.GET, "cursor", cursor=page.prev_cursor)
        if page.prev_cursor
        else "",
        "can_create": can_create(request),
        "bulk_owner_choices": owner_choices(members=members, role=role(request), user=request.user),
        "saved_view_form": SavedViewForm(initial={"entity": entity, "query": base_query}),
        "list_url": turl(
            request, "crm:contact_list" if entity == Entity.CONTACT else "crm:company_list"
        ),
    }
    template = "crm/contact_list.html" if entity == Entity.CONTACT else "crm/company_list.html"
    if getattr(request, "htmx", False) and request.GET.get("partial") == "rows":
        template += "#rows"
    return render(request, template, context)


@require_capability(Capability.READ_CONTACTS)
def contact_list(request: HttpRequest) -> HttpResponse:
    return _list(request, Entity.CONTACT)


@require_capability(Capability.READ_CONTACTS)
def company_list(request: HttpRequest) -> HttpResponse:
    return _list(request, Entity.COMPANY)


def _bulk(request: HttpRequest, entity: str) -> HttpResponse:
    bind(request)
    list_name = "crm:contact_list" if entity == Entity.CONTACT else "crm:company_list"
    back = safe_next(request, turl(request, list_name))
    members = tenant_members(request.tenant)  # type: ignore[attr-defined]
    form = BulkActionForm(
        request.POST,
        owner_choices=owner_choices(members=members, role=role(request), user=request.user),
    )
    if not form.is_valid():
        messages.error(request, _("Select records and an action."))
        return redirect(back)
    service = contact_bulk_action if entity == Entity.CONTACT else company_bulk_action
    try:
        with transaction.atomic():
            count = service(
                tenant=request.tenant,  # type: ignore[attr-defined]
                actor=request.user,
                ids=form.cleaned_data["ids"],
                action=form.cleaned_data["action"],
                tag_name=form.cleaned_data["tag"],
                owner=form.cleaned_data["owner"] or None,
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    except PermissionDenied as error:
        deny_message = str(error) or _("You may not change these records.")
        messages.error(request, deny_message)
        return redirect(back)
    messages.success(
        request,
        ngettext("%(count)d record changed.", "%(count)d records changed.", count)
        % {"count": count},
    )
    return redirect(back)


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def contact_bulk(request: HttpRequest) -> HttpResponse:
    return _bulk(request, Entity.CONTACT)


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def company_bulk(request: HttpRequest) -> HttpResponse:
    return _bulk(request, Entity.COMPANY)


# --- saved views ------------------------------------------------------------------------------------


@require_capability(Capability.READ_CONTACTS)
@require_POST
def savedview_create(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the view a name."))
        return redirect(safe_next(request, turl(request, "crm:contact_list")))
    entity = form.cleaned_data["entity"]
    list_url = turl(request, "crm:contact_list" if entity == Entity.CONTACT else "crm:company_list")
    query = form.cleaned_data["query"].lstrip("?")
    try:
        with transaction.atomic():
            SavedView.objects.update_or_create(
                user=request.user,
                entity=entity,
                name=form.cleaned_data["name"].strip(),
                defaults={"query": query, "tenant": request.tenant},  # type: ignore[attr-defined]
            )
    except IntegrityError:
        messages.error(request, _("A view with this name exists already."))
        return redirect(list_url)
    messages.success(request, _("View saved."))
    return redirect(f"{list_url}?{query}" if query else list_url)


@require_capability(Capability.READ_CONTACTS)
@require_POST
def savedview_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = SavedView.objects.filter(pk=pk, user=request.user).first()
    if view is None:
        raise Http404
    entity = view.entity
    view.delete()
    messages.success(request, _("View deleted."))
    return tredirect(
        request, "crm:contact_list" if entity == Entity.CONTACT else "crm:company_list"
    )


# --- trash ----------------------------------------------------------------------------------------------


@require_capability(Capability.READ_CONTACTS)
def trash(request: HttpRequest) -> HttpResponse:
    entity = (
        request.GET.get("entity") if request.GET.get("entity") in Entity.values else Entity.CONTACT
    )
    page = trash_page(tenant=request.tenant, entity=entity, cursor=request.GET.get("cursor"))  # type: ignore[attr-defined]
    return render(
        request,
        "crm/trash.html",
        {
            "entity": entity,
            "page": page,
            "restore_days": RESTORE_DAYS,
            "deadline": restore_deadline(),
            "next_query": query_without(request.GET, "cursor", cursor=page.next_cursor)
            if page.next_cursor
            else "",
            "prev_query": query_without(request.GET, "cursor", cursor=page.prev_cursor)
            if page.prev_cursor
            else "",
        },
    )


def _restore(request: HttpRequest, model: type[Contact] | type[Company], pk: int) -> HttpResponse:
    bind(request)
    record = model.objects.filter(pk=pk, deleted_at__isnull=False).first()
    if record is None:
        raise Http404
    service = contact_restore if model is Contact else company_restore
    try:
        if model is Contact:
            service(tenant=request.tenant, actor=request.user, contact=record)  # type: ignore[attr-defined, call-arg]
        else:
            service(tenant=request.tenant, actor=request.user, company=record)  # type: ignore[attr-defined, call-arg]
    except PermissionDenied:
        deny(request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(turl(request, "crm:trash") + f"?entity={model._meta.model_name}")
    messages.success(request, _("“%(name)s” was restored.") % {"name": record})
    detail = "crm:contact_detail" if model is Contact else "crm:company_detail"
    return tredirect(request, detail, record.pk)


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def contact_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _restore(request, Contact, pk)


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def company_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _restore(request, Company, pk)
