"""Reads about consent and suppression that views, marketing and imports share."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import Tenant
from accounts.tenancy import tenant_context
from crm.models import Consent, ConsentPurpose, Contact


def current_consents(contact: Contact) -> dict[str, Consent]:
    """The current decision per purpose (the newest row of each), keyed by purpose. One query;
    purposes never recorded are absent."""
    rows = (
        Consent.objects.filter(contact_id=contact.pk)
        .select_related("recorded_by")
        .order_by("purpose", "-recorded_at", "-id")
        .distinct("purpose")
    )
    return {row.purpose: row for row in rows}


def consent_overview(contact: Contact) -> list[dict]:
    """One row per purpose, in the order of ``ConsentPurpose``: ``{"purpose", "label",
    "consent"}`` with ``consent`` ``None`` when nothing was recorded."""
    current = current_consents(contact)
    return [
        {"purpose": value, "label": label, "consent": current.get(value)}
        for value, label in ConsentPurpose.choices
    ]


def consent_history(contact: Contact) -> QuerySet[Consent]:
    """Every consent row of ``contact``, newest first (the model is append-only)."""
    return (
        Consent.objects.filter(contact_id=contact.pk)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")
    )


def has_consent(
    *, tenant: Tenant | int, contact_ids: Iterable[int] | QuerySet, purpose: str
) -> set[int]:
    """The ids among ``contact_ids`` whose current decision for ``purpose`` is *granted*.

    Erased and deleted contacts never count. ``contact_ids`` may be a list or a queryset of ids
    (it becomes a subquery). One query."""
    if not isinstance(contact_ids, QuerySet):
        contact_ids = list(contact_ids)
        if not contact_ids:
            return set()
    with tenant_context(tenant):
        latest = (
            Consent.objects.filter(
                contact_id__in=contact_ids,
                purpose=purpose,
                contact__erased_at__isnull=True,
                contact__deleted_at__isnull=True,
            )
            .order_by("contact_id", "-recorded_at", "-id")
            .distinct("contact_id")
            .values_list("contact_id", "granted")
        )
        return {contact_id for contact_id, granted in latest if granted}


def merged_contact_ids(contact: Contact) -> list[int]:
    """``contact`` and every contact merged into it (merge keeps chains flat), whose stored
    data is about the same person."""
    merged = (
        Contact.objects.filter(merged_into_id=contact.pk)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return [contact.pk, *merged]
