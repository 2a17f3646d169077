"""Tenant admins define custom fields per record type (MANAGE_TENANT)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import require_capability
from accounts.roles import Capability
from crm.forms import CustomFieldForm
from crm.models import CustomFieldDefinition
from crm.services.custom_fields import custom_field_create, custom_field_delete, custom_field_update
from crm.views.common import bind, tredirect


@require_capability(Capability.MANAGE_TENANT)
def customfield_list(request: HttpRequest) -> HttpResponse:
    definitions = CustomFieldDefinition.objects.prefetch_related("choices").order_by(
        "entity", "position", "id"
    )
    return render(request, "crm/customfield_list.html", {"definitions": definitions})


def _apply_errors(form: CustomFieldForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, error)


@require_capability(Capability.MANAGE_TENANT)
def customfield_create(request: HttpRequest) -> HttpResponse:
    bind(request)
    form = CustomFieldForm(
        request.POST or None, initial={"entity": request.GET.get("entity", "contact")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            custom_field_create(tenant=request.tenant, actor=request.user, data=form.cleaned_data)  # type: ignore[attr-defined]
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Custom field created."))
            return tredirect(request, "crm:customfield_list")
    return render(request, "crm/customfield_form.html", {"form": form})


@require_capability(Capability.MANAGE_TENANT)
def customfield_edit(request: HttpRequest, customfielddefinition_id: int) -> HttpResponse:
    bind(request)
    definition = get_object_or_404(
        CustomFieldDefinition.objects.prefetch_related("choices"), pk=customfielddefinition_id
    )
    initial = CustomFieldForm.initial_for(definition)
    form = CustomFieldForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            custom_field_update(
                tenant=request.tenant,  # type: ignore[attr-defined]
                actor=request.user,
                definition=definition,
                data=form.cleaned_data,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Custom field saved."))
            return tredirect(request, "crm:customfield_list")
    return render(request, "crm/customfield_form.html", {"form": form, "definition": definition})


@require_capability(Capability.MANAGE_TENANT)
@require_POST
def customfield_delete(request: HttpRequest, customfielddefinition_id: int) -> HttpResponse:
    bind(request)
    definition = get_object_or_404(CustomFieldDefinition, pk=customfielddefinition_id)
    custom_field_delete(tenant=request.tenant, actor=request.user, definition=definition)  # type: ignore[attr-defined]
    messages.success(request, _("Custom field deleted."))
    return tredirect(request, "crm:customfield_list")
