"""Contact writes. Keyword-only and typed; views, imports and tasks call these.

``data`` keys (all optional on update; only the keys present are changed):
first_name, last_name, job_title, email, secondary_emails (list), phone, mobile,
preferred_language, time_zone, lifecycle_stage, street, postal_code, city, region, country,
company (Company or id; the primary company), owner (User or id; ``None`` = unowned),
custom (raw ``{key: text}``, validated by ``clean_custom_values``), tags (names; replaces).

Invalid input raises ``ValidationError`` with a dict of field → messages (custom fields as
``custom.<key>``); missing rights raise ``PermissionDenied``. ``contact_update`` returns the
changes ``{field: (old, new)}`` and hands them to ``crm.history.record_changes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Company, Contact, ContactCompany, Entity, LifecycleStage
from crm.services import rights
from crm.services.custom_fields import apply_custom_values, clean_custom_values
from crm.services.records import (
    BulkAction,
    bulk_apply,
    record_changes,
    resolve_owner,
    restore,
    set_tags,
    soft_delete,
)
from crm.services.validation import (
    normalize_country,
    normalize_email,
    normalize_language,
    normalize_phone,
    normalize_time_zone,
)

__all__ = [
    "BulkAction",
    "contact_bulk_action",
    "contact_create",
    "contact_link_company",
    "contact_restore",
    "contact_soft_delete",
    "contact_unlink_company",
    "contact_update",
]

TEXT_FIELDS = {
    "first_name": 100,
    "last_name": 100,
    "job_title": 150,
    "street": 200,
    "postal_code": 20,
    "city": 100,
    "region": 100,
}
ALLOWED = set(TEXT_FIELDS) | {
    "email",
    "secondary_emails",
    "phone",
    "mobile",
    "preferred_language",
    "time_zone",
    "lifecycle_stage",
    "country",
    "company",
    "owner",
    "custom",
    "tags",
}


def resolve_company(value: Any, *, field: str = "company") -> Company | None:
    """The active company ``value`` (a Company or an id) names in the bound tenant, or an error."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, Company) else value
    try:
        company = Company.objects.filter(pk=int(pk), deleted_at__isnull=True).first()
    except (TypeError, ValueError):
        company = None
    if company is None:
        raise ValidationError({field: [_("Select a valid company.")]})
    return company


def _clean(
    *, tenant: Any, actor: Any, data: Mapping[str, Any], instance: Contact | None
) -> dict[str, Any]:
    """Validated, normalised values for the keys in ``data``; raises ValidationError(dict)."""
    unknown = set(data) - ALLOWED
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def attempt(name: str, func: Any, *args: Any) -> None:
        try:
            out[name] = func(*args)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)

    for name, limit in TEXT_FIELDS.items():
        if name in data:
            value = " ".join(str(data[name] or "").split())
            if len(value) > limit:
                errors[name] = [_("Enter at most %(max)d characters.") % {"max": limit}]
            out[name] = value
    if "country" in data:
        attempt("country", normalize_country, data["country"])
    country = out.get("country", instance.country if instance else "") or None
    for name in ("phone", "mobile"):
        if name in data:
            attempt(name, normalize_phone, data[name], country)
    if "email" in data:
        attempt("email", normalize_email, data["email"])
    if "secondary_emails" in data:
        raw = data["secondary_emails"]
        items = (
            raw if isinstance(raw, (list, tuple)) else str(raw or "").replace(";", ",").split(",")
        )
        emails: list[str] = []
        for item in items:
            try:
                email = normalize_email(str(item))
            except ValidationError as error:
                errors.setdefault("secondary_emails", []).extend(error.messages)
                continue
            if email and email.lower() not in {e.lower() for e in emails}:
                emails.append(email)
        out["secondary_emails"] = emails
    if "preferred_language" in data:
        attempt("preferred_language", normalize_language, data["preferred_language"])
    if "time_zone" in data:
        attempt("time_zone", normalize_time_zone, data["time_zone"])
    if "lifecycle_stage" in data:
        stage = data["lifecycle_stage"] or LifecycleStage.LEAD
        if stage not in LifecycleStage.values:
            errors["lifecycle_stage"] = [_("Choose a valid stage.")]
        out["lifecycle_stage"] = stage
    if "company" in data:
        try:
            out["company"] = resolve_company(data["company"])
        except ValidationError as error:
            errors.update(error.message_dict)
    if "owner" in data:
        try:
            out["owner"] = resolve_owner(
                tenant=tenant,
                actor=actor,
                value=data["owner"],
                current_id=instance.owner_id if instance else None,
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    if "custom" in data:
        values, custom_errors = clean_custom_values(
            tenant, Entity.CONTACT, dict(data["custom"] or {}), partial=instance is not None
        )
        for key, messages in custom_errors.items():
            errors[f"custom.{key}"] = messages
        out["custom"] = values
    if "tags" in data:
        out["tags"] = data["tags"]
    # A contact needs a name or an email address to be found again.
    first = out.get("first_name", instance.first_name if instance else "")
    last = out.get("last_name", instance.last_name if instance else "")
    email = out.get("email", instance.email if instance else "")
    if not (first or last or email) and not any(
        k in errors for k in ("first_name", "last_name", "email")
    ):
        errors["last_name"] = [_("Enter a name or an email address.")]
    if errors:
        raise ValidationError(errors)
    return out


def _sync_primary_link(*, tenant: Any, contact: Contact) -> None:
    """Keep the ContactCompany links in step with ``contact.company`` (the primary company)."""
    ContactCompany.objects.filter(contact=contact, is_primary=True).exclude(
        company_id=contact.company_id
    ).update(is_primary=False)
    if contact.company_id:
        link, created = ContactCompany.objects.get_or_create(
            contact=contact,
            company_id=contact.company_id,
            defaults={"tenant_id": tenant.pk, "is_primary": True},
        )
        if not created and not link.is_primary:
            ContactCompany.objects.filter(pk=link.pk).update(is_primary=True)


def contact_create(*, tenant: Any, actor: Any, data: Mapping[str, Any]) -> Contact:
    """Create a contact. The actor owns it unless ``data`` names another owner (or ``None``)."""
    rights.require_create(tenant, actor)
    with transaction.atomic():
        cleaned = _clean(tenant=tenant, actor=actor, data=data, instance=None)
        tags = cleaned.pop("tags", None)
        custom = cleaned.pop("custom", {})
        if "owner" not in cleaned:
            cleaned["owner"] = actor if actor is not None and actor.is_authenticated else None
        now = timezone.now()
        contact = Contact(
            tenant=tenant,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            created_at=now,
            updated_at=now,
            custom=apply_custom_values({}, custom),
            **cleaned,
        )
        contact.save()
        if contact.company_id:
            _sync_primary_link(tenant=tenant, contact=contact)
        if tags:
            set_tags(tenant=tenant, instance=contact, names=tags)
    return contact


def contact_update(
    *, tenant: Any, actor: Any, contact: Contact, data: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Change the fields in ``data``; returns ``{field: (old, new)}`` (custom fields as
    ``custom.<key>``, tags as ``tags``), which also goes to the field history."""
    rights.require_edit(tenant, actor, contact)
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("owner", "company")
            .get(pk=contact.pk)
        )
        rights.require_edit(tenant, actor, contact)
        cleaned = _clean(tenant=tenant, actor=actor, data=data, instance=contact)
        tags = cleaned.pop("tags", None)
        custom = cleaned.pop("custom", None)
        changes: dict[str, tuple[Any, Any]] = {}
        for name, new in cleaned.items():
            old = getattr(contact, name)
            if old != new:
                changes[name] = (old, new)
                setattr(contact, name, new)
        if custom is not None:
            merged = apply_custom_values(contact.custom, custom)
            for key in sorted(set(contact.custom or {}) | set(merged)):
                old, new = (contact.custom or {}).get(key), merged.get(key)
                if old != new:
                    changes[f"custom.{key}"] = (old, new)
            contact.custom = merged
        if tags is not None:
            old_tags, new_tags = set_tags(tenant=tenant, instance=contact, names=tags)
            if old_tags != new_tags:
                changes["tags"] = (old_tags, new_tags)
        if changes:
            contact.updated_at = timezone.now()
            contact.save()
            if "company" in changes:
                _sync_primary_link(tenant=tenant, contact=contact)
            record_changes(instance=contact, changes=changes, actor=actor)
    return changes


def contact_soft_delete(*, tenant: Any, actor: Any, contact: Contact) -> None:
    soft_delete(tenant=tenant, actor=actor, instance=contact)


def contact_restore(*, tenant: Any, actor: Any, contact: Contact) -> None:
    restore(tenant=tenant, actor=actor, instance=contact)


def contact_bulk_action(
    *, tenant: Any, actor: Any, ids: list[Any], action: str, tag_name: str = "", owner: Any = None
) -> int:
    """Tag, assign or soft-delete the contacts ``ids`` (all in the tenant and editable, or none)."""
    return bulk_apply(
        tenant=tenant,
        actor=actor,
        model=Contact,
        ids=ids,
        action=action,
        tag_name=tag_name,
        owner=owner,
    )


# --- company links ------------------------------------------------------------------------------


def contact_link_company(
    *,
    tenant: Any,
    actor: Any,
    contact: Contact,
    company: Any,
    role: str = "",
    make_primary: bool = False,
) -> ContactCompany:
    """Link ``contact`` to ``company`` (Company or id, in the tenant) with a role there."""
    rights.require_edit(tenant, actor, contact)
    target = resolve_company(company)
    role = " ".join(str(role or "").split())
    if len(role) > 100:
        raise ValidationError({"role": [_("Enter at most %(max)d characters.") % {"max": 100}]})
    with transaction.atomic():
        link, created = ContactCompany.objects.get_or_create(
            contact=contact, company=target, defaults={"tenant_id": tenant.pk, "role": role}
        )
        if not created and link.role != role:
            link.role = role
            link.save(update_fields=["role"])
        if make_primary or contact.company_id is None:
            if contact.company_id != target.pk:
                old = contact.company
                contact.company = target
                contact.updated_at = timezone.now()
                Contact.objects.filter(pk=contact.pk).update(
                    company=target, updated_at=contact.updated_at
                )
                record_changes(instance=contact, changes={"company": (old, target)}, actor=actor)
            _sync_primary_link(tenant=tenant, contact=contact)
            link.refresh_from_db()
    return link


def contact_unlink_company(*, tenant: Any, actor: Any, contact: Contact, link_id: Any) -> None:
    """Remove a company link; removing the primary company's link clears ``contact.company``."""
    rights.require_edit(tenant, actor, contact)
    try:
        link = (
            ContactCompany.objects.filter(pk=int(link_id), contact=contact)
            .select_related("company")
            .first()
        )
    except (TypeError, ValueError):
        link = None
    if link is None:
        raise ValidationError(_("This link does not exist."))
    with transaction.atomic():
        link.delete()
        if contact.company_id == link.company_id:
            contact.company = None
            contact.updated_at = timezone.now()
            Contact.objects.filter(pk=contact.pk).update(
                company=None, updated_at=contact.updated_at
            )
            record_changes(instance=contact, changes={"company": (link.company, None)}, actor=actor)
