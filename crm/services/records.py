"""What contacts and companies share: owners, tags, soft delete, bulk actions, change tracking.

Soft delete sets ``deleted_at``; the record disappears from lists and search, stays restorable
from the trash for ``RESTORE_DAYS`` days, and ``crm.tasks.purge_deleted_records`` deletes it
for good after that.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership, User
from crm.models import Company, CompanyTag, Contact, ContactTag, Tag
from crm.services import rights

RESTORE_DAYS = 30
BULK_MAX = 500
TAG_MAX = 60


def record_changes(
    *, instance: models.Model, changes: Mapping[str, tuple[Any, Any]], actor: Any
) -> None:
    """Hand changed fields (old → new) to the field history (``crm.history``), if installed."""
    if not changes:
        return
    try:
        from crm import history
    except ImportError:  # pragma: no cover - history is optional
        return
    history.record_changes(instance=instance, changes=dict(changes), actor=actor)


def restore_deadline() -> datetime.datetime:
    """Records deleted before this moment can no longer be restored (they are purged)."""
    return timezone.now() - datetime.timedelta(days=RESTORE_DAYS)


# --- owners -----------------------------------------------------------------------------------


def _user_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, User):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({"owner": [_("Select a valid member.")]}) from None


def resolve_owner(*, tenant: Any, actor: Any, value: Any, current_id: int | None) -> User | None:
    """The owner ``value`` names (a member of ``tenant``), checked against the actor's rights:
    reps may make themselves the owner or leave a record unowned, nobody else."""
    user_id = _user_id(value)
    if user_id is None:
        return None
    membership = (
        Membership.objects.filter(tenant=tenant, user_id=user_id).select_related("user").first()
    )
    if membership is None:
        raise ValidationError({"owner": [_("Select a valid member.")]})
    if (
        actor is not None
        and user_id not in (actor.pk, current_id)
        and not rights.can_assign_anyone(rights.role_of(tenant, actor))
    ):
        raise ValidationError({"owner": [_("You can only assign records to yourself.")]})
    return membership.user


def tenant_members(tenant: Any) -> list[User]:
    """Members of ``tenant`` (for owner and assignee choices), by name."""
    return list(
        User.objects.filter(memberships__tenant=tenant)
        .order_by("first_name", "last_name", "email")
        .distinct()
    )


# --- tags -------------------------------------------------------------------------------------


def tag_get_or_create(*, tenant: Any, name: str) -> Tag:
    """The tenant's tag called ``name`` (case-insensitive), created on the fly."""
    clean = " ".join(str(name).split())[:TAG_MAX]
    if not clean:
        raise ValidationError({"tags": [_("A tag needs a name.")]})
    tag = Tag.objects.filter(name__iexact=clean).first()
    if tag is not None:
        return tag
    try:
        with transaction.atomic():
            return Tag.objects.create(tenant=tenant, name=clean)
    except IntegrityError:  # created concurrently
        return Tag.objects.get(name__iexact=clean)


def parse_tag_names(value: Any) -> list[str]:
    """Tag names from a list or a comma-separated string, de-duplicated case-insensitively."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    seen: dict[str, str] = {}
    for item in items:
        name = " ".join(str(item.name if isinstance(item, Tag) else item).split())[:TAG_MAX]
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


def _link_model(instance: models.Model) -> tuple[type[models.Model], str]:
    return (ContactTag, "contact") if isinstance(instance, Contact) else (CompanyTag, "company")


def set_tags(
    *, tenant: Any, instance: Contact | Company, names: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Make ``instance``'s tags exactly ``names``; returns (old names, new names)."""
    link_model, fk = _link_model(instance)
    links = list(link_model.objects.filter(**{fk: instance}).select_related("tag"))
    old = sorted(link.tag.name for link in links)
    names = names if isinstance(names, (str, list, tuple)) else list(names)
    wanted = [tag_get_or_create(tenant=tenant, name=name) for name in parse_tag_names(names)]
    wanted_ids = {tag.pk for tag in wanted}
    link_model.objects.filter(**{fk: instance}).exclude(tag_id__in=wanted_ids).delete()
    have = {link.tag_id for link in links}
    link_model.objects.bulk_create(
        [
            link_model(tenant_id=tenant.pk, tag=tag, **{fk: instance})
            for tag in wanted
            if tag.pk not in have
        ],
        ignore_conflicts=True,
    )
    return old, sorted(tag.name for tag in wanted)


# --- soft delete --------------------------------------------------------------------------------


def soft_delete(*, tenant: Any, actor: Any, instance: Contact | Company) -> None:
    rights.require_edit(tenant, actor, instance)
    if instance.deleted_at is None:
        instance.deleted_at = timezone.now()
        type(instance).objects.filter(pk=instance.pk).update(deleted_at=instance.deleted_at)
        record_changes(
            instance=instance, changes={"deleted_at": (None, instance.deleted_at)}, actor=actor
        )


def restore(*, tenant: Any, actor: Any, instance: Contact | Company) -> None:
    rights.require_edit(tenant, actor, instance)
    if instance.deleted_at is None:
        return
    if instance.deleted_at < restore_deadline():
        raise ValidationError(
            _("This record was deleted more than %(days)d days ago.") % {"days": RESTORE_DAYS}
        )
    old = instance.deleted_at
    instance.deleted_at = None
    type(instance).objects.filter(pk=instance.pk).update(deleted_at=None, updated_at=timezone.now())
    record_changes(instance=instance, changes={"deleted_at": (old, None)}, actor=actor)


def purge_deleted(*, model: type[Contact] | type[Company], chunk: int = 1000) -> int:
    """Delete one chunk of ``model`` rows of the bound tenant deleted before the restore deadline."""
    ids = list(
        model.objects.filter(deleted_at__lt=restore_deadline())
        .order_by("deleted_at")
        .values_list("id", flat=True)[:chunk]
    )
    if not ids:
        return 0
    model.objects.filter(pk__in=ids).delete()
    return len(ids)


# --- bulk actions ---------------------------------------------------------------------------------


class BulkAction(models.TextChoices):
    TAG = "tag", _("Add tag")
    ASSIGN = "assign", _("Assign owner")
    DELETE = "delete", _("Delete")


def _parse_ids(ids: Iterable[Any]) -> list[int]:
    parsed: list[int] = []
    for value in ids:
        try:
            parsed.append(int(value))
        except (TypeError, ValueError):
            raise ValidationError(_("Some of the selected records do not exist.")) from None
    unique = sorted(set(parsed))
    if not unique:
        raise ValidationError(_("Select at least one record."))
    if len(unique) > BULK_MAX:
        raise ValidationError(_("Select at most %(max)d records at a time.") % {"max": BULK_MAX})
    return unique


def bulk_apply(
    *,
    tenant: Any,
    actor: Any,
    model: type[Contact] | type[Company],
    ids: Iterable[Any],
    action: str,
    tag_name: str = "",
    owner: Any = None,
) -> int:
    """Apply ``action`` to the records ``ids``. Every id must be an active record of the bound
    tenant (looked up in the scoped queryset) that the actor may edit, or nothing changes.
    Returns how many records were changed."""
    wanted = _parse_ids(ids)
    if action not in BulkAction.values:
        raise ValidationError(_("Choose an action."))
    with transaction.atomic():
        records = list(
            model.objects.filter(pk__in=wanted, deleted_at__isnull=True).select_for_update()
        )
        if len(records) != len(wanted):
            raise ValidationError(_("Some of the selected records do not exist."))
        if actor is not None:
            role = rights.role_of(tenant, actor)
            denied = [r for r in records if not rights.can_edit(role, actor.pk, r)]
            if denied:
                raise PermissionDenied(
                    ngettext(
                        "You may not change %(count)d of the selected records.",
                        "You may not change %(count)d of the selected records.",
                        len(denied),
                    )
                    % {"count": len(denied)}
                )
        now = timezone.now()
        if action == BulkAction.TAG:
            tag = tag_get_or_create(tenant=tenant, name=tag_name)
            link_model, fk = (
                (ContactTag, "contact") if model is Contact else (CompanyTag, "company")
            )
            link_model.objects.bulk_create(
                [link_model(tenant_id=tenant.pk, tag=tag, **{fk: record}) for record in records],
                ignore_conflicts=True,
            )
            model.objects.filter(pk__in=wanted).update(updated_at=now)
        elif action == BulkAction.ASSIGN:
            user = resolve_owner(tenant=tenant, actor=actor, value=owner, current_id=None)
            model.objects.filter(pk__in=wanted).update(owner=user, updated_at=now)
            for record in records:
                if record.owner_id != (user.pk if user else None):
                    record_changes(
                        instance=record,
                        changes={"owner": (record.owner_id, user.pk if user else None)},
                        actor=actor,
                    )
        else:
            model.objects.filter(pk__in=wanted).update(deleted_at=now)
            for record in records:
                record_changes(instance=record, changes={"deleted_at": (None, now)}, actor=actor)
    return len(records)
