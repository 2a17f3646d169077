"""Company pages: detail (with its contacts and their timeline rolled up), create, edit, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import require_capability
from accounts.roles import Capability
from crm.forms import CompanyForm
from crm.models import Entity, Tag
from crm.selectors.details import company_contacts, custom_field_rows
from crm.selectors.search import company_search
from crm.services.companies import company_create, company_soft_delete, company_update
from crm.services.custom_fields import definitions_for
from crm.services.records import RESTORE_DAYS, tenant_members
from crm.services.validation import country_name, format_phone
from crm.views import activities
from crm.views.common import bind, can_edit, deny, get_company, require_edit, role, tredirect

CONTACTS_SHOWN = 25


def render_detail(
    request: HttpRequest, company: Any, *, status: int = 200, **forms: Any
) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    members = tenant_members(tenant)
    definitions = definitions_for(tenant, Entity.COMPANY)
    contacts = company_contacts(company=company, limit=CONTACTS_SHOWN + 1)
    context = {
        "company": company,
        "contacts": contacts[:CONTACTS_SHOWN],
        "more_contacts": len(contacts) > CONTACTS_SHOWN,
        "custom_rows": custom_field_rows(definitions=definitions, record=company),
        "country": country_name(company.country) if company.country else "",
        "phone": format_phone(company.phone),
        "can_edit": can_edit(request, company),
        **activities.panel_context(
            request, company, members=members, cursor=request.GET.get("cursor"), **forms
        ),
    }
    return render(request, "crm/company_detail.html", context, status=status)


@require_capability(Capability.READ_CONTACTS)
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bind(request)
    return render_detail(request, get_company(request, pk))


def _form(
    request: HttpRequest, *, instance: Any = None, data: Any = None, initial: Any = None
) -> CompanyForm:
    tenant = request.tenant  # type: ignore[attr-defined]
    return CompanyForm(
        data,
        initial=initial,
        members=tenant_members(tenant),
        role=role(request),
        user=request.user,
        definitions=definitions_for(tenant, Entity.COMPANY),
        instance=instance,
    )


def _render_form(request: HttpRequest, form: CompanyForm, company: Any = None) -> HttpResponse:
    return render(
        request,
        "crm/company_form.html",
        {"form": form, "company": company, "tags": Tag.objects.order_by("name")[:500]},
    )


@require_capability(Capability.EDIT_OWN_RECORDS)
def company_new(request: HttpRequest) -> HttpResponse:
    bind(request)
    if request.method == "POST":
        form = _form(request, data=request.POST)
        if form.is_valid():
            try:
                company = company_create(
                    tenant=request.tenant, actor=request.user, data=form.service_data()
                )  # type: ignore[attr-defined]
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Company created."))
                return tredirect(request, "crm:company_detail", company.pk)
    else:
        form = _form(request)
    return _render_form(request, form)


@require_capability(Capability.EDIT_OWN_RECORDS)
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bind(request)
    company = get_company(request, pk)
    require_edit(request, company)
    if request.method == "POST":
        form = _form(request, data=request.POST, instance=company)
        if form.is_valid():
            try:
                company_update(
                    tenant=request.tenant,
                    actor=request.user,
                    company=company,
                    data=form.service_data(),
                )  # type: ignore[attr-defined]
            except ValidationError as error:
                form.add_service_errors(error)
            except PermissionDenied:
                deny(request)
            else:
                messages.success(request, _("Company saved."))
                return tredirect(request, "crm:company_detail", company.pk)
    else:
        form = _form(request, instance=company, initial=CompanyForm.initial_for(company))
    return _render_form(request, form, company)


@require_capability(Capability.EDIT_OWN_RECORDS)
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    bind(request)
    company = get_company(request, pk)
    require_edit(request, company)
    if request.method == "POST":
        company_soft_delete(tenant=request.tenant, actor=request.user, company=company)  # type: ignore[attr-defined]
        messages.success(
            request,
            _("“%(name)s” was moved to the trash. You can restore it there for %(days)d days.")
            % {"name": company, "days": RESTORE_DAYS},
        )
        return tredirect(request, "crm:company_list")
    return render(
        request, "crm/confirm_delete.html", {"record": company, "restore_days": RESTORE_DAYS}
    )


@require_capability(Capability.READ_CONTACTS)
def company_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    return activities.timeline(request, get_company(request, pk))


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def company_log_activity(request: HttpRequest, pk: int) -> HttpResponse:
    return activities.log_activity(request, get_company(request, pk), render_detail)


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def company_add_task(request: HttpRequest, pk: int) -> HttpResponse:
    return activities.add_task(request, get_company(request, pk), render_detail)


@require_capability(Capability.READ_CONTACTS)
def company_autocomplete(request: HttpRequest) -> HttpResponse:
    """``<option>``s for the company ``<datalist>`` of forms (as you type)."""
    query = request.GET.get("company") or request.GET.get("parent") or request.GET.get("q") or ""
    companies = (
        company_search(tenant=request.tenant, query=query, limit=10)
        if len(query.strip()) >= 2
        else []
    )  # type: ignore[attr-defined]
    return render(request, "crm/partials/company_options.html", {"companies": companies})
