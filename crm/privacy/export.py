"""The data-subject export: one zip of everything stored about a contact.

``build_export_zip`` walks ``EXPORT_SECTIONS`` (see ``crm.privacy.registry``); the sections of
the contacts core are registered below. Every section reads through the tenant-scoped managers
with the contact's tenant bound, so another tenant's rows can never enter the file.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.db import models
from django.utils import timezone

from accounts.models import AuditEvent
from crm.models import Activity, Consent, Contact, ContactCompany, ContactTag, Entity, FieldChange
from crm.privacy.registry import (
    EXPORT_SECTIONS,
    PrivacyContext,
    csv_bytes,
    json_bytes,
    register_export_section,
)

MAX_EXPORT_ROWS = 1_000_000  # a guard, far above any real person's record
EXPORT_EXTENSIONS = (".json", ".csv", ".txt")


def contact_target(contact_id: int) -> str:
    """The audit target naming a contact (never the person's name: the log outlives erasure)."""
    return f"contact:{contact_id}"


def _instance_dict(instance: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.generated or field.name == "tenant":
            continue
        data[field.attname] = getattr(instance, field.attname)
    return data


@register_export_section("contact")
def export_contact(ctx: PrivacyContext) -> Any:
    contacts = (
        Contact.objects.filter(pk__in=ctx.contact_ids).select_related("company").order_by("id")
    )
    records = []
    for contact in contacts:
        data = _instance_dict(contact)
        data["company_name"] = contact.company.name if contact.company else None
        records.append(data)
    main = next((r for r in records if r["id"] == ctx.contact.pk), {})
    yield "contact.json", json_bytes(main)
    merged = [r for r in records if r["id"] != ctx.contact.pk]
    if merged:
        yield "merged_contacts.json", json_bytes(merged)


ACTIVITY_COLUMNS = [
    "id", "contact_id", "kind", "subject", "body", "occurred_at", "due_at", "completed_at",
    "company_id", "created_at",
]  # fmt: skip


@register_export_section("activities")
def export_activities(ctx: PrivacyContext) -> Any:
    rows = list(
        Activity.objects.filter(contact_id__in=ctx.contact_ids)
        .order_by("occurred_at", "id")
        .values(*ACTIVITY_COLUMNS)[:MAX_EXPORT_ROWS]
    )
    yield "activities.json", json_bytes(rows)
    yield "activities.csv", csv_bytes(rows, ACTIVITY_COLUMNS)


CONSENT_COLUMNS = [
    "id", "contact_id", "purpose", "granted", "lawful_basis", "source", "proof", "recorded_at",
]  # fmt: skip


@register_export_section("consents")
def export_consents(ctx: PrivacyContext) -> Any:
    rows = list(
        Consent.objects.filter(contact_id__in=ctx.contact_ids)
        .order_by("recorded_at", "id")
        .values(*CONSENT_COLUMNS)
    )
    yield "consents.json", json_bytes(rows)
    yield "consents.csv", csv_bytes(rows, CONSENT_COLUMNS)


@register_export_section("companies")
def export_companies(ctx: PrivacyContext) -> Any:
    rows = list(
        ContactCompany.objects.filter(contact_id__in=ctx.contact_ids)
        .order_by("id")
        .values("contact_id", "company_id", "company__name", "role", "is_primary")
    )
    yield "companies.json", json_bytes(rows)


@register_export_section("tags")
def export_tags(ctx: PrivacyContext) -> Any:
    rows = list(
        ContactTag.objects.filter(contact_id__in=ctx.contact_ids)
        .order_by("tag__name", "contact_id")
        .values("contact_id", "tag__name")
    )
    yield "tags.json", json_bytes(rows)


@register_export_section("history")
def export_history(ctx: PrivacyContext) -> Any:
    rows = list(
        FieldChange.objects.filter(entity=Entity.CONTACT, object_id__in=ctx.contact_ids)
        .order_by("changed_at", "id")
        .values("object_id", "field", "old_value", "new_value", "source", "changed_at")[
            :MAX_EXPORT_ROWS
        ]
    )
    yield "history.json", json_bytes(rows)


@register_export_section("exports")
def export_export_log(ctx: PrivacyContext) -> Any:
    targets = [contact_target(pk) for pk in ctx.contact_ids]
    events = (
        AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, target__in=targets)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    rows = [
        {"exported_at": event.created_at, "by": str(event.actor) if event.actor else None}
        for event in events
    ]
    yield "exports.json", json_bytes(rows)


def build_export_zip(ctx: PrivacyContext) -> tuple[bytes, list[str]]:
    """Run every registered section and pack their files; returns the zip and its file names."""
    buffer = io.BytesIO()
    names: list[str] = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section, producer in EXPORT_SECTIONS.items():
            for filename, content in producer(ctx):
                name = filename if filename.endswith(EXPORT_EXTENSIONS) else f"{filename}.txt"
                if name in names:
                    name = f"{section}-{name}"
                archive.writestr(name, content)
                names.append(name)
        manifest = {
            "contact_id": ctx.contact.pk,
            "merged_contact_ids": [pk for pk in ctx.contact_ids if pk != ctx.contact.pk],
            "tenant": ctx.tenant.name,
            "generated_at": timezone.now(),
            "sections": list(EXPORT_SECTIONS),
            "files": list(names),
        }
        archive.writestr("manifest.json", json_bytes(manifest))
    return buffer.getvalue(), [*names, "manifest.json"]
