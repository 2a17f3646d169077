"""Consent, data-subject export, erasure and record history pages. Thin: parse, authorise,
call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import require_capability
from accounts.roles import Capability
from accounts.urls_util import tenant_reverse
from crm.history import record_history
from crm.models import Company, Contact
from crm.privacy import selectors, services
from crm.privacy.forms import ConsentForm
from crm.privacy.permissions import can_record_consent, forbidden

CONSENT_HISTORY_PAGE_SIZE = 50


def contact_detail_url(request: HttpRequest, contact: Contact) -> str:
    """The contact's page (crm:contact_detail) — or its consent page while that does not exist."""
    try:
        return tenant_reverse("crm:contact_detail", request.tenant, contact.pk)  # type: ignore[attr-defined]
    except NoReverseMatch:
        return tenant_reverse("crm_privacy:contact_consents", request.tenant, contact.pk)  # type: ignore[attr-defined]


def company_detail_url(request: HttpRequest, company: Company) -> str | None:
    try:
        return tenant_reverse("crm:company_detail", request.tenant, company.pk)  # type: ignore[attr-defined]
    except NoReverseMatch:
        return None


@require_http_methods(["GET", "POST"])
@require_capability(Capability.READ_CONTACTS)
def contact_consents(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The current consent per purpose, the full history, and a form to record a decision."""
    contact = get_object_or_404(Contact.objects.all(), pk=contact_id)
    may_record = can_record_consent(request, contact) and contact.erased_at is None
    form = ConsentForm()
    if request.method == "POST":
        if not can_record_consent(request, contact):
            return forbidden(request, Capability.EDIT_OWN_RECORDS, Capability.RUN_CAMPAIGNS)
        form = ConsentForm(request.POST)
        if contact.erased_at is not None:
            messages.error(request, _("This contact was erased; no consent can be recorded."))
            return redirect(request.path)
        if form.is_valid():
            try:
                services.consent_record(
                    tenant=request.tenant,  # type: ignore[attr-defined]
                    contact_id=contact.pk,
                    purpose=form.cleaned_data["purpose"],
                    granted=form.granted,
                    lawful_basis=form.cleaned_data["lawful_basis"],
                    source=form.cleaned_data["source"],
                    proof=form.cleaned_data["proof"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except services.PrivacyError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Consent decision recorded."))
                return redirect(request.path)
    history = Paginator(selectors.consent_history(contact), CONSENT_HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "crm/privacy/consents.html",
        {
            "contact": contact,
            "contact_url": contact_detail_url(request, contact),
            "overview": selectors.consent_overview(contact),
            "history": history,
            "form": form,
            "may_record": may_record,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@require_capability(Capability.IMPORT_EXPORT)
def contact_export(request: HttpRequest, contact_id: int) -> HttpResponse:
    """GET explains what the file contains; POST downloads it (and is audited)."""
    contact = get_object_or_404(Contact.objects.all(), pk=contact_id)
    if request.method == "POST":
        result = services.contact_export(
            tenant=request.tenant,  # type: ignore[attr-defined]
            contact_id=contact.pk,
            actor=request.user,  # type: ignore[arg-type]
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        response = HttpResponse(result.content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request,
        "crm/privacy/export.html",
        {"contact": contact, "contact_url": contact_detail_url(request, contact)},
    )


@require_http_methods(["GET", "POST"])
@require_capability(Capability.MANAGE_TENANT)
def contact_erase(request: HttpRequest, contact_id: int) -> HttpResponse:
    """GET shows what erasure does and asks to confirm; POST erases."""
    contact = get_object_or_404(Contact.objects.all(), pk=contact_id)
    if request.method == "POST":
        result = services.contact_erase(
            tenant=request.tenant,  # type: ignore[attr-defined]
            contact_id=contact.pk,
            actor=request.user,  # type: ignore[arg-type]
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        if result.already_erased:
            messages.info(request, _("This contact was already erased; nothing was changed."))
        else:
            messages.success(
                request,
                _("The contact's personal data was erased and its addresses were suppressed."),
            )
        return redirect(contact_detail_url(request, result.contact))
    return render(
        request,
        "crm/privacy/erase.html",
        {
            "contact": contact,
            "contact_url": contact_detail_url(request, contact),
            "merged_count": len(selectors.merged_contact_ids(contact)) - 1,
        },
    )


def _history(
    request: HttpRequest, instance: Contact | Company, back_url: str | None
) -> HttpResponse:
    page = record_history(instance=instance, cursor=request.GET.get("before"))
    context = {"record": instance, "page": page, "back_url": back_url}
    if getattr(request, "htmx", False):
        return render(request, "crm/history/_rows.html", context)
    return render(request, "crm/history/history.html", context)


@require_http_methods(["GET"])
@require_capability(Capability.READ_CONTACTS)
def contact_history(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.all(), pk=contact_id)
    return _history(request, contact, contact_detail_url(request, contact))


@require_http_methods(["GET"])
@require_capability(Capability.READ_CONTACTS)
def company_history(request: HttpRequest, company_id: int) -> HttpResponse:
    company = get_object_or_404(Company.objects.all(), pk=company_id)
    return _history(request, company, company_detail_url(request, company))
