"""Merging two contacts of one tenant into one.

The survivor keeps its id and takes, per field, the value the user picked. *Every* row that
points at the merged contact is moved to the survivor: the relations are discovered from
``Contact._meta`` (hidden ones included), so foreign keys that later apps add — deals,
tickets, campaign events — move too. Rows that would break a unique constraint on the survivor
(the same company or tag linked twice) are removed instead of moved; a one-to-one row stays on
the merged contact when the survivor already has one. The merged contact is kept, soft-deleted,
with ``merged_into`` pointing at the survivor; history and the audit log record the merge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Tenant, User
from accounts.services import audit_record
from accounts.tenancy import is_tenant_owned, tenant_context
from crm.history import record_changes
from crm.models import Contact, ContactCompany, FieldChange

SURVIVOR, MERGED = "survivor", "merged"

# Fields the user picks a value for, in screen order. Foreign keys by field name.
MERGE_FIELDS = [
    "first_name", "last_name", "email", "phone", "mobile", "job_title", "company", "owner",
    "lifecycle_stage", "preferred_language", "time_zone", "street", "postal_code", "city",
    "region", "country",
]  # fmt: skip
CUSTOM_PREFIX = "custom:"
FOREIGN_KEYS = ("company", "owner")


class MergeError(ValueError):
    """The merge cannot be done; the message is for the user."""


@dataclass
class MergeResult:
    survivor: Contact
    merged_id: int
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    moved: dict[str, int] = field(default_factory=dict)
    removed_duplicates: dict[str, int] = field(default_factory=dict)
    kept_on_merged: dict[str, int] = field(default_factory=dict)


# --- choosing values ----------------------------------------------------------------------


def _raw(contact: Contact, name: str) -> Any:
    if name.startswith(CUSTOM_PREFIX):
        return (contact.custom or {}).get(name.removeprefix(CUSTOM_PREFIX))
    model_field = Contact._meta.get_field(name)
    return getattr(contact, model_field.attname)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def choosable_fields(a: Contact, b: Contact) -> list[str]:
    """The fields (and ``custom:<key>`` entries) whose values differ between ``a`` and ``b``."""
    keys = sorted(set(a.custom or {}) | set(b.custom or {}))
    names = MERGE_FIELDS + [CUSTOM_PREFIX + key for key in keys]
    return [name for name in names if _raw(a, name) != _raw(b, name)]


def default_choices(survivor: Contact, merged: Contact) -> dict[str, str]:
    """Keep the survivor's value unless it is empty and the merged contact's is not."""
    return {
        name: MERGED
        if _is_empty(_raw(survivor, name)) and not _is_empty(_raw(merged, name))
        else SURVIVOR
        for name in choosable_fields(survivor, merged)
    }


def _merged_secondary_emails(survivor: Contact, merged: Contact, primary: str) -> list[str]:
    """Every address of both contacts except the chosen primary, once (case-insensitive)."""
    seen = {primary.strip().lower()} if primary else set()
    result = []
    candidates = [
        *(survivor.secondary_emails or []),
        survivor.email,
        *(merged.secondary_emails or []),
        merged.email,
    ]
    for address in candidates:
        if not isinstance(address, str) or not address.strip():
            continue
        key = address.strip().lower()
        if key not in seen:
            seen.add(key)
            result.append(address.strip())
    return result


# --- moving related rows ------------------------------------------------------------------


def contact_relations() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every (model, foreign key) pointing at Contact, hidden relations included."""
    relations = []
    for rel in Contact._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            relations.append((rel.related_model, rel.field))
    return relations


def _unique_groups(model: type[models.Model], fk: models.ForeignKey) -> list[tuple[list[str], Any]]:
    """For each unique constraint containing ``fk``: the other fields and the condition."""
    groups: list[tuple[list[str], Any]] = []
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.fields
            and fk.name in constraint.fields
        ):
            others = [f for f in constraint.fields if f not in (fk.name, "tenant")]
            groups.append((others, constraint.condition))
    for fields in model._meta.unique_together:
        if fk.name in fields:
            groups.append(([f for f in fields if f not in (fk.name, "tenant")], None))
    if fk.unique:
        groups.append(([], None))
    return groups


def _label(model: type[models.Model], fk: models.ForeignKey) -> str:
    return f"{model._meta.label}.{fk.name}"


def _move_related(tenant: Tenant, survivor: Contact, merged: Contact, result: MergeResult) -> None:
    for model, fk in contact_relations():
        manager = model._base_manager
        base = manager.filter(tenant_id=tenant.pk) if is_tenant_owned(model) else manager.all()
        label = _label(model, fk)
        for others, condition in _unique_groups(model, fk):
            on_survivor = base.filter(**{fk.attname: survivor.pk})
            on_merged = base.filter(**{fk.attname: merged.pk})
            if condition is not None:
                on_survivor, on_merged = on_survivor.filter(condition), on_merged.filter(condition)
            clash = on_merged.filter(
                Exists(on_survivor.filter(**{name: OuterRef(name) for name in others}))
            )
            if not others:
                # A one-to-one row: the survivor has its own; keep this one where it is.
                kept = clash.count()
                if kept:
                    result.kept_on_merged[label] = kept
                continue
            removed, _detail = clash.delete()
            if removed:
                result.removed_duplicates[label] = result.removed_duplicates.get(label, 0) + removed
        pending = base.filter(**{fk.attname: merged.pk})
        if fk.unique:
            pending = pending.exclude(Exists(base.filter(**{fk.attname: survivor.pk})))
        moved = pending.update(**{fk.attname: survivor.pk})
        if moved:
            result.moved[label] = moved


def _fix_primary_company_link(survivor: Contact) -> None:
    """The survivor's links: exactly the chosen company is primary."""
    if survivor.company_id is None:
        return
    links = ContactCompany.objects.filter(contact_id=survivor.pk)
    link, _created = links.get_or_create(
        company_id=survivor.company_id, defaults={"contact_id": survivor.pk, "is_primary": True}
    )
    links.exclude(pk=link.pk).filter(is_primary=True).update(is_primary=False)
    if not link.is_primary:
        links.filter(pk=link.pk).update(is_primary=True)


# --- the merge ----------------------------------------------------------------------------


def contact_merge(
    *,
    tenant: Tenant,
    survivor_id: int,
    merged_id: int,
    choices: Mapping[str, str] | None = None,
    actor: User | None = None,
    ip_address: str | None = None,
) -> MergeResult:
    """Merge contact ``merged_id`` into ``survivor_id``. ``choices`` maps a field name (or
    ``custom:<key>``) to ``"survivor"`` or ``"merged"``: whose value to keep; fields not named
    keep the survivor's value unless it is empty. Both contacts are looked up inside ``tenant``
    (an id of another tenant is refused)."""
    if int(survivor_id) == int(merged_id):
        raise MergeError(_("A contact cannot be merged with itself."))
    now = timezone.now()
    with transaction.atomic(), tenant_context(tenant):
        found = (
            Contact.objects.select_for_update().filter(pk__in=[survivor_id, merged_id]).in_bulk()
        )
        if len(found) != 2:
            raise MergeError(_("Both contacts must exist in this workspace."))
        survivor, merged = found[int(survivor_id)], found[int(merged_id)]
        for contact in (survivor, merged):
            if contact.erased_at is not None:
                raise MergeError(_("Erased contacts cannot be merged."))
            if contact.merged_into_id is not None or contact.deleted_at is not None:
                raise MergeError(_("Deleted or already merged contacts cannot be merged."))

        picked = default_choices(survivor, merged)
        allowed = set(choosable_fields(survivor, merged))
        for name, side in (choices or {}).items():
            if side not in (SURVIVOR, MERGED):
                raise MergeError(_("Pick one of the two values for every field."))
            if name in allowed:
                picked[name] = side
            elif name not in MERGE_FIELDS and not name.startswith(CUSTOM_PREFIX):
                raise MergeError(_("Unknown field: %(name)s") % {"name": name})

        result = MergeResult(survivor=survivor, merged_id=merged.pk)
        old = {name: _raw(survivor, name) for name in MERGE_FIELDS}
        # Related objects (company, owner) are shown by name in the history.
        old_objects = {
            name: getattr(survivor, name) for name in FOREIGN_KEYS if picked.get(name) == MERGED
        }
        old_secondary = list(survivor.secondary_emails or [])
        old_custom = dict(survivor.custom or {})
        custom = dict(old_custom)
        for name, side in picked.items():
            if side != MERGED:
                continue
            value = _raw(merged, name)
            if name.startswith(CUSTOM_PREFIX):
                key = name.removeprefix(CUSTOM_PREFIX)
                if value is None:
                    custom.pop(key, None)
                else:
                    custom[key] = value
            else:
                setattr(survivor, Contact._meta.get_field(name).attname, value)
        survivor.custom = custom
        survivor.secondary_emails = _merged_secondary_emails(survivor, merged, survivor.email)
        survivor.updated_at = now
        update_fields = [Contact._meta.get_field(n).attname for n in MERGE_FIELDS]
        survivor.save(update_fields=[*update_fields, "custom", "secondary_emails", "updated_at"])

        _move_related(tenant, survivor, merged, result)
        _fix_primary_company_link(survivor)

        merged.merged_into = survivor
        merged.deleted_at = now
        merged.updated_at = now
        merged.save(update_fields=["merged_into", "deleted_at", "updated_at"])

        changes: dict[str, tuple[Any, Any]] = {
            name: (old[name], _raw(survivor, name))
            for name in MERGE_FIELDS
            if old[name] != _raw(survivor, name)
        }
        for name in FOREIGN_KEYS:
            if name in changes:
                changes[name] = (old_objects.get(name), getattr(survivor, name))
        for key in sorted(set(old_custom) | set(custom)):
            if old_custom.get(key) != custom.get(key):
                changes[f"custom.{key}"] = (old_custom.get(key), custom.get(key))
        if old_secondary != survivor.secondary_emails:
            changes["secondary_emails"] = (old_secondary, survivor.secondary_emails)
        result.changes = dict(changes)
        changes["merged_contact"] = ("", f"#{merged.pk}")
        record_changes(
            instance=survivor, changes=changes, actor=actor, source=FieldChange.Source.MERGE,
            changed_at=now,
        )  # fmt: skip
        record_changes(
            instance=merged, changes={"merged_into": ("", f"#{survivor.pk}")}, actor=actor,
            source=FieldChange.Source.MERGE, changed_at=now,
        )  # fmt: skip
        audit_record(
            tenant=tenant,
            action=AuditEvent.Action.MERGE,
            actor=actor,
            target=f"contact:{survivor.pk}",
            ip_address=ip_address,
            details={
                "survivor_id": survivor.pk,
                "merged_id": merged.pk,
                "fields_from_merged": sorted(n for n, side in picked.items() if side == MERGED),
                "moved": result.moved,
                "removed_duplicates": result.removed_duplicates,
                "kept_on_merged": result.kept_on_merged,
            },
        )
    return result
