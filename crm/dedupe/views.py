"""Duplicate suggestions and the merge screen (EDIT_ALL_RECORDS: managers, admins, owners)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import require_capability
from accounts.roles import Capability
from crm.dedupe.forms import MergeForm
from crm.dedupe.selectors import duplicate_pairs
from crm.dedupe.services import MergeError
from crm.dedupe.services import contact_merge as merge_service
from crm.models import Contact
from crm.privacy.views import contact_detail_url


@require_http_methods(["GET"])
@require_capability(Capability.EDIT_ALL_RECORDS)
def contact_duplicates(request: HttpRequest) -> HttpResponse:
    page = duplicate_pairs(tenant=request.tenant, cursor=request.GET.get("after"))  # type: ignore[attr-defined]
    template = (
        "crm/dedupe/_pairs.html"
        if getattr(request, "htmx", False)
        else "crm/dedupe/duplicates.html"
    )
    return render(request, template, {"page": page})


def _merge_problem(a: Contact, b: Contact) -> str | None:
    if a.pk == b.pk:
        return _("A contact cannot be merged with itself.")
    if a.erased_at or b.erased_at:
        return _("Erased contacts cannot be merged.")
    if a.merged_into_id or b.merged_into_id or a.deleted_at or b.deleted_at:
        return _("Deleted or already merged contacts cannot be merged.")
    return None


@require_http_methods(["GET", "POST"])
@require_capability(Capability.EDIT_ALL_RECORDS)
def contact_merge(request: HttpRequest, contact_id: int, other_id: int) -> HttpResponse:
    """Two contacts side by side; pick the record to keep and each field's value."""
    contacts = Contact.objects.select_related("company", "owner")
    a = get_object_or_404(contacts, pk=contact_id)
    b = get_object_or_404(contacts, pk=other_id)
    problem = _merge_problem(a, b)
    if problem:
        return render(
            request, "crm/dedupe/merge.html", {"a": a, "b": b, "problem": problem}, status=400
        )
    form = MergeForm(request.POST if request.method == "POST" else None, a=a, b=b)
    if form.is_valid():
        survivor, merged, choices = form.merge_arguments()
        try:
            result = merge_service(
                tenant=request.tenant,  # type: ignore[attr-defined]
                survivor_id=survivor.pk,
                merged_id=merged.pk,
                choices=choices,
                actor=request.user,  # type: ignore[arg-type]
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except MergeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The contacts were merged."))
            return redirect(contact_detail_url(request, result.survivor))
    status = 400 if form.is_bound else 200
    return render(request, "crm/dedupe/merge.html", {"a": a, "b": b, "form": form}, status=status)
