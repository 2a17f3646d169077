"""Data for the privacy and history partials, so they can be included with just the record:

{% include "crm/privacy/_contact_panel.html" with contact=contact %}
{% include "crm/history/_record_history.html" with record=contact %}
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import Capability
from accounts.urls_util import tenant_reverse
from crm.history import record_history
from crm.models import Company, Contact
from crm.privacy.permissions import can_any, can_record_consent
from crm.privacy.selectors import consent_overview

register = template.Library()

PANEL_HISTORY_SIZE = 10


@register.simple_tag(takes_context=True)
def contact_privacy(context: template.Context, contact: Contact) -> dict[str, Any]:
    """Current consents and what the member may do (one query)."""
    request = context.get("request")
    return {
        "overview": consent_overview(contact),
        "can_record": request is not None
        and contact.erased_at is None
        and can_record_consent(request, contact),
        "can_export": request is not None and can_any(request, Capability.IMPORT_EXPORT),
        "can_erase": request is not None
        and contact.erased_at is None
        and can_any(request, Capability.MANAGE_TENANT),
    }


@register.simple_tag(takes_context=True)
def record_history_page(context: template.Context, record: Contact | Company) -> dict[str, Any]:
    """The newest history rows of a contact or company (one query) and the URL of the rest."""
    request = context.get("request")
    name = (
        "crm_privacy:contact_history"
        if isinstance(record, Contact)
        else "crm_privacy:company_history"
    )
    return {
        "page": record_history(instance=record, limit=PANEL_HISTORY_SIZE),
        "url": tenant_reverse(name, getattr(request, "tenant", None), record.pk),
    }


@register.simple_tag(takes_context=True)
def history_url(context: template.Context, record: Contact | Company) -> str:
    request = context.get("request")
    name = (
        "crm_privacy:contact_history"
        if isinstance(record, Contact)
        else "crm_privacy:company_history"
    )
    return tenant_reverse(name, getattr(request, "tenant", None), record.pk)
