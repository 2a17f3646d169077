"""Contact pages: detail (360° view), create, edit, delete, company links."""

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
from crm.forms import ContactForm
from crm.forms.records import CompanyLinkForm, company_ref
from crm.models import Company, Entity, Tag
from crm.selectors.details import custom_field_rows
from crm.services.contacts import (
    contact_create,
    contact_link_company,
    contact_soft_delete,
    contact_unlink_company,
    contact_update,
)
from crm.services.custom_fields import definitions_for
from crm.services.records import RESTORE_DAYS, tenant_members
from crm.services.validation import country_name, format_phone
from crm.views import activities
from crm.views.common import bind, can_edit, deny, get_contact, require_edit, role, tredirect


def render_detail(
    request: HttpRequest, contact: Any, *, status: int = 200, **forms: Any
) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    members = tenant_members(tenant)
    definitions = definitions_for(tenant, Entity.CONTACT)
    context = {
        "contact": contact,
        "custom_rows": custom_field_rows(definitions=definitions, record=contact),
        "country": country_name(contact.country) if contact.country else "",
        "phone": format_phone(contact.phone),
        "mobile": format_phone(contact.mobile),
        "can_edit": can_edit(request, contact),
        "link_form": forms.pop("link_form", None) or CompanyLinkForm(),
        **activities.panel_context(
            request, contact, members=members, cursor=request.GET.get("cursor"), **forms
        ),
    }
    return render(request, "crm/contact_detail.html", context, status=status)


@require_capability(Capability.READ_CONTACTS)
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bind(request)
    return render_detail(request, get_contact(request, pk))


def _form(
    request: HttpRequest, *, instance: Any = None, data: Any = None, initial: Any = None
) -> ContactForm:
    tenant = request.tenant  # type: ignore[attr-defined]
    return ContactForm(
        data,
        initial=initial,
        members=tenant_members(tenant),
        role=role(request),
        user=request.user,
        definitions=definitions_for(tenant, Entity.CONTACT),
        instance=instance,
    )


def _render_form(request: HttpRequest, form: ContactForm, contact: Any = None) -> HttpResponse:
    return render(
        request,
        "crm/contact_form.html",
        {"form": form, "contact": contact, "tags": Tag.objects.order_by("name")[:500]},
    )


@require_capability(Capability.EDIT_OWN_RECORDS)
def contact_new(request: HttpRequest) -> HttpResponse:
    bind(request)
    if request.method == "POST":
        form = _form(request, data=request.POST)
        if form.is_valid():
            try:
                contact = contact_create(
                    tenant=request.tenant, actor=request.user, data=form.service_data()
                )  # type: ignore[attr-defined]
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Contact created."))
                return tredirect(request, "crm:contact_detail", contact.pk)
    else:
        initial = {}
        company_id = request.GET.get("company", "")
        if company_id.isdigit():
            company = Company.objects.filter(pk=int(company_id), deleted_at__isnull=True).first()
            initial["company"] = company_ref(company)
        form = _form(request, initial=initial)
    return _render_form(request, form)


@require_capability(Capability.EDIT_OWN_RECORDS)
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bind(request)
    contact = get_contact(request, pk)
    require_edit(request, contact)
    if request.method == "POST":
        form = _form(request, data=request.POST, instance=contact)
        if form.is_valid():
            try:
                contact_update(
                    tenant=request.tenant,
                    actor=request.user,
                    contact=contact,
                    data=form.service_data(),
                )  # type: ignore[attr-defined]
            except ValidationError as error:
                form.add_service_errors(error)
            except PermissionDenied:
                deny(request)
            else:
                messages.success(request, _("Contact saved."))
                return tredirect(request, "crm:contact_detail", contact.pk)
    else:
        form = _form(request, instance=contact, initial=ContactForm.initial_for(contact))
    return _render_form(request, form, contact)


@require_capability(Capability.EDIT_OWN_RECORDS)
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    bind(request)
    contact = get_contact(request, pk)
    require_edit(request, contact)
    if request.method == "POST":
        contact_soft_delete(tenant=request.tenant, actor=request.user, contact=contact)  # type: ignore[attr-defined]
        messages.success(
            request,
            _("“%(name)s” was moved to the trash. You can restore it there for %(days)d days.")
            % {"name": contact, "days": RESTORE_DAYS},
        )
        return tredirect(request, "crm:contact_list")
    return render(
        request, "crm/confirm_delete.html", {"record": contact, "restore_days": RESTORE_DAYS}
    )


# --- timeline and activity panel -------------------------------------------------------------------


@require_capability(Capability.READ_CONTACTS)
def contact_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    return activities.timeline(request, get_contact(request, pk))


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def contact_log_activity(request: HttpRequest, pk: int) -> HttpResponse:
    return activities.log_activity(request, get_contact(request, pk), render_detail)


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def contact_add_task(request: HttpRequest, pk: int) -> HttpResponse:
    return activities.add_task(request, get_contact(request, pk), render_detail)


# --- company links ------------------------------------------------------------------------------------


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def contact_link_add(request: HttpRequest, pk: int) -> HttpResponse:
    bind(request)
    contact = get_contact(request, pk)
    require_edit(request, contact)
    form = CompanyLinkForm(request.POST)
    if form.is_valid():
        try:
            contact_link_company(
                tenant=request.tenant,  # type: ignore[attr-defined]
                actor=request.user,
                contact=contact,
                company=form.cleaned_data["company"],
                role=form.cleaned_data["role"],
                make_primary=form.cleaned_data["make_primary"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
    if form.errors:
        return render_detail(request, contact, link_form=form)
    messages.success(request, _("Company linked."))
    return tredirect(request, "crm:contact_detail", contact.pk)


@require_capability(Capability.EDIT_OWN_RECORDS)
@require_POST
def contact_link_remove(request: HttpRequest, pk: int, contactcompany_id: int) -> HttpResponse:
    bind(request)
    contact = get_contact(request, pk)
    require_edit(request, contact)
    try:
        contact_unlink_company(
            tenant=request.tenant, actor=request.user, contact=contact, link_id=contactcompany_id
        )  # type: ignore[attr-defined]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Company link removed."))
    return tredirect(request, "crm:contact_detail", contact.pk)
