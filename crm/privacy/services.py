"""Privacy writes: consent, data-subject export, erasure and the suppression list.

Every service takes the tenant and object *ids*, binds the tenant and looks the objects up
through the tenant-scoped managers, so an id of another tenant is simply not found.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Tenant, User
from accounts.services import audit_record
from accounts.tenancy import tenant_context
from crm.history import record_erasure, scrub_history
from crm.models import (
    Activity,
    Consent,
    ConsentPurpose,
    Contact,
    ContactCompany,
    Entity,
    LawfulBasis,
    Suppression,
)
from crm.privacy import export as _export  # registers the core export sections
from crm.privacy.registry import ERASERS, PrivacyContext, register_eraser
from crm.privacy.selectors import merged_contact_ids

ERASED_NAME = "Erased contact"


class PrivacyError(ValueError):
    """A privacy request that cannot be carried out; the message is for the user."""


# --- suppression ----------------------------------------------------------------------------


def email_sha256(email: str) -> str:
    """SHA-256 (hex) of the normalised address: stripped and lower-cased."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def is_suppressed(*, tenant: Tenant | int, email: str) -> bool:
    """Whether ``email`` was erased in ``tenant`` and must never be imported or mailed again."""
    if not email or not email.strip():
        return False
    with tenant_context(tenant):
        return Suppression.objects.filter(email_sha256=email_sha256(email)).exists()


def suppress_emails(*, tenant: Tenant | int, emails: Iterable[str], reason: str = "erasure") -> int:
    """Add the hashes of ``emails`` to the tenant's suppression list (idempotent). Returns the
    number of distinct addresses passed in."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    hashes = {email_sha256(e) for e in emails if isinstance(e, str) and e.strip()}
    if not hashes:
        return 0
    with tenant_context(tenant_id):
        Suppression.objects.bulk_create(
            [
                Suppression(tenant_id=tenant_id, email_sha256=h, reason=reason)
                for h in sorted(hashes)
            ],
            ignore_conflicts=True,
        )
    return len(hashes)


# --- consent --------------------------------------------------------------------------------


def consent_record(
    *,
    tenant: Tenant,
    contact_id: int,
    purpose: str,
    granted: bool,
    lawful_basis: str,
    source: str = "",
    proof: str = "",
    actor: User | None = None,
) -> Consent:
    """Append a consent decision (the newest row per purpose is the current state)."""
    if purpose not in ConsentPurpose.values:
        raise PrivacyError(_("Unknown purpose."))
    if lawful_basis not in LawfulBasis.values:
        raise PrivacyError(_("Unknown lawful basis."))
    with transaction.atomic(), tenant_context(tenant):
        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is None:
            raise Contact.DoesNotExist
        if contact.erased_at is not None:
            raise PrivacyError(_("This contact was erased; no consent can be recorded."))
        return Consent.objects.create(
            contact=contact,
            purpose=purpose,
            granted=granted,
            lawful_basis=lawful_basis,
            source=source.strip()[:200],
            proof=proof.strip(),
            recorded_by=actor if actor is not None and actor.is_authenticated else None,
        )


# --- export ---------------------------------------------------------------------------------


@dataclass
class ExportResult:
    filename: str
    content: bytes
    files: list[str]


def contact_export(
    *, tenant: Tenant, contact_id: int, actor: User | None = None, ip_address: str | None = None
) -> ExportResult:
    """Everything stored about a contact (and the contacts merged into it) as one zip. The
    export is audited first, so the file lists itself among the exports."""
    with transaction.atomic(), tenant_context(tenant):
        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is None:
            raise Contact.DoesNotExist
        audit_record(
            tenant=tenant,
            action=AuditEvent.Action.EXPORT,
            actor=actor,
            target=_export.contact_target(contact.pk),
            ip_address=ip_address,
            details={"kind": "data_subject_export", "contact_id": contact.pk},
        )
        ctx = PrivacyContext(
            tenant=tenant, contact=contact, contact_ids=merged_contact_ids(contact), actor=actor
        )
        content, files = _export.build_export_zip(ctx)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return ExportResult(filename=f"contact-{contact.pk}-{stamp}.zip", content=content, files=files)


# --- erasure --------------------------------------------------------------------------------

# Personal fields blanked on erasure, with their blank value. Names become ERASED_NAME.
ERASED_FIELDS: dict[str, object] = {
    "email": "",
    "secondary_emails": [],
    "phone": "",
    "mobile": "",
    "job_title": "",
    "street": "",
    "postal_code": "",
    "city": "",
    "region": "",
    "country": "",
    "preferred_language": "",
    "time_zone": "",
    "custom": {},
}


@dataclass
class ErasureResult:
    contact: Contact
    already_erased: bool
    suppressed: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@register_eraser("activities")
def _erase_activities(ctx: PrivacyContext) -> int:
    """Activities stay (counts and timelines keep their kind and date); their text goes."""
    return Activity.objects.filter(contact_id__in=ctx.contact_ids).update(subject="", body="")


@register_eraser("consents")
def _erase_consent_proof(ctx: PrivacyContext) -> int:
    return Consent.objects.filter(contact_id__in=ctx.contact_ids).exclude(proof="").update(proof="")


@register_eraser("company_links")
def _erase_company_roles(ctx: PrivacyContext) -> int:
    return (
        ContactCompany.objects.filter(contact_id__in=ctx.contact_ids)
        .exclude(role="")
        .update(role="")
    )


@register_eraser("history")
def _erase_history(ctx: PrivacyContext) -> int:
    return scrub_history(tenant_id=ctx.tenant.pk, entity=Entity.CONTACT, object_ids=ctx.contact_ids)


def _emails_of(contact: Contact) -> list[str]:
    emails = [contact.email] if contact.email else []
    if isinstance(contact.secondary_emails, list):
        emails += [e for e in contact.secondary_emails if isinstance(e, str)]
    return emails


def _anonymise(contact: Contact, now: datetime.datetime) -> list[str]:
    """Blank ``contact``'s personal fields in memory; returns the names of fields that held data."""
    erased = [name for name in ("first_name", "last_name") if getattr(contact, name)]
    contact.first_name, contact.last_name = "", ERASED_NAME
    for name, blank in ERASED_FIELDS.items():
        if getattr(contact, name):
            erased.append(name)
        setattr(contact, name, type(blank)() if isinstance(blank, (list, dict)) else blank)
    contact.erased_at = now
    contact.updated_at = now
    return erased


def contact_erase(
    *, tenant: Tenant, contact_id: int, actor: User | None = None, ip_address: str | None = None
) -> ErasureResult:
    """Anonymise a contact in place (and the contacts merged into it), keep its activities as
    counts, suppress its addresses, and audit. A second call changes nothing and reports
    ``already_erased``."""
    now = timezone.now()
    with transaction.atomic(), tenant_context(tenant):
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None:
            raise Contact.DoesNotExist
        if contact.erased_at is not None:
            return ErasureResult(contact=contact, already_erased=True)
        ids = merged_contact_ids(contact)
        people = [
            contact,
            *Contact.objects.select_for_update().filter(pk__in=ids[1:]).order_by("id"),
        ]
        emails = [email for person in people for email in _emails_of(person)]
        suppressed = suppress_emails(tenant=tenant, emails=emails)
        ctx = PrivacyContext(tenant=tenant, contact=contact, contact_ids=ids, actor=actor)
        counts = {name: eraser(ctx) or 0 for name, eraser in ERASERS.items()}
        update_fields = ["first_name", "last_name", *ERASED_FIELDS, "erased_at", "updated_at"]
        for person in people:
            erased_fields = _anonymise(person, now)
            person.save(update_fields=update_fields)
            record_erasure(instance=person, fields=erased_fields, actor=actor, changed_at=now)
        audit_record(
            tenant=tenant,
            action=AuditEvent.Action.ERASURE,
            actor=actor,
            target=_export.contact_target(contact.pk),
            ip_address=ip_address,
            details={
                "contact_id": contact.pk,
                "merged_contact_ids": ids[1:],
                "suppressed_addresses": suppressed,
                "counts": counts,
            },
        )
    return ErasureResult(
        contact=contact, already_erased=False, suppressed=suppressed, counts=counts
    )
