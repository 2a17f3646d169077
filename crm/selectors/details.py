"""Detail-page reads: one contact or company with what its page shows, in constant queries.

::

    contact_detail(*, tenant, pk, include_deleted=False) -> Contact      # 4 queries
    company_detail(*, tenant, pk, include_deleted=False) -> Company      # 2 queries
    company_contacts(*, company, limit=25) -> list[Contact]              # 1 query
    custom_field_rows(*, definitions, record) -> list[tuple[CustomFieldDefinition, str]]

Both detail selectors raise ``Contact.DoesNotExist`` / ``Company.DoesNotExist`` for a missing
record, another tenant's record (the scoped manager never sees it) and, unless
``include_deleted``, a soft-deleted one. Contacts come with ``company``, ``owner``,
``created_by``, ``tag_links`` → ``tag`` and ``company_links`` → ``company`` loaded.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from accounts.models import USER_NAME_FIELDS
from crm.models import (
    Company,
    CompanyTag,
    Contact,
    ContactCompany,
    ContactTag,
    CustomFieldDefinition,
)
from crm.services.custom_fields import display_value


def _with_related_subset(model: type, related: dict[str, tuple[str, ...]]) -> list[str]:
    """For ``.only()``: every column of ``model`` and the listed ones of each related row (the
    pages show a related company's or user's name, not their whole row)."""
    own = [f.attname for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
    return own + [f"{name}__{column}" for name, columns in related.items() for column in columns]


def contact_detail(*, tenant: Any, pk: Any, include_deleted: bool = False) -> Contact:
    queryset = Contact.objects.filter(tenant=tenant)
    if not include_deleted:
        queryset = queryset.filter(deleted_at__isnull=True)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Contact.DoesNotExist from None
    return (
        queryset.select_related("company", "owner", "created_by")
        .only(
            *_with_related_subset(
                Contact,
                {
                    "company": ("id", "tenant_id", "name", "deleted_at"),
                    "owner": USER_NAME_FIELDS,
                    "created_by": USER_NAME_FIELDS,
                },
            )
        )
        .prefetch_related(
            Prefetch(
                "tag_links", queryset=ContactTag.objects.select_related("tag").order_by("tag__name")
            ),
            Prefetch(
                "company_links",
                queryset=ContactCompany.objects.filter(company__deleted_at__isnull=True)
                .select_related("company")
                .order_by("-is_primary", "company__name"),
            ),
        )
        .get(pk=pk)
    )


def company_detail(*, tenant: Any, pk: Any, include_deleted: bool = False) -> Company:
    queryset = Company.objects.filter(tenant=tenant)
    if not include_deleted:
        queryset = queryset.filter(deleted_at__isnull=True)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Company.DoesNotExist from None
    return (
        queryset.select_related("owner", "parent", "created_by")
        .only(
            *_with_related_subset(
                Company,
                {
                    "parent": ("id", "tenant_id", "name", "deleted_at"),
                    "owner": USER_NAME_FIELDS,
                    "created_by": USER_NAME_FIELDS,
                },
            )
        )
        .prefetch_related(
            Prefetch(
                "tag_links", queryset=CompanyTag.objects.select_related("tag").order_by("tag__name")
            )
        )
        .get(pk=pk)
    )


def company_contacts(*, company: Company, limit: int = 25) -> list[Contact]:
    """Active contacts linked to ``company`` (primary or not), by name, at most ``limit``."""
    return list(
        Contact.objects.filter(
            deleted_at__isnull=True,
            pk__in=ContactCompany.objects.filter(company=company).values("contact_id"),
        )
        .only("id", "tenant_id", "first_name", "last_name", "email", "job_title")
        .order_by("last_name", "first_name", "id")[:limit]
    )


def custom_field_rows(
    *, definitions: list[CustomFieldDefinition], record: Any
) -> list[tuple[Any, str]]:
    """``(definition, display text)`` for each defined field that has a value on ``record``."""
    values = record.custom or {}
    rows = []
    for definition in definitions:
        text = display_value(definition, values.get(definition.key))
        if text:
            rows.append((definition, text))
    return rows
