"""Field-level change history of contacts and companies.

Writes: ``record_changes(instance=…, changes={field: (old, new)}, actor=…)`` — the contact and
company update services, merge and erasure call it. Reads: ``record_history(…)`` returns one
page, newest first, with keyset pagination (never a deep OFFSET).

Values are stored as text. Model instances are stored as their ``str()`` and id, lists and
dicts as JSON, ``None`` as an empty string. Erasure never keeps old personal values: it records
that a field was erased and scrubs the values of earlier rows (``scrub_history``).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.tenancy import tenant_context
from crm.models import Company, Contact, Entity, FieldChange

ENTITY_BY_MODEL: dict[type[models.Model], str] = {Contact: Entity.CONTACT, Company: Entity.COMPANY}
MODEL_BY_ENTITY: dict[str, type[models.Model]] = {v: k for k, v in ENTITY_BY_MODEL.items()}
PAGE_SIZE = 20


def entity_of(instance: models.Model) -> str:
    for model, entity in ENTITY_BY_MODEL.items():
        if isinstance(instance, model):
            return entity
    raise ValueError(f"No field history for {type(instance).__name__}.")


def as_text(value: Any) -> str:
    """The text stored for a field value."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return f"{value} (#{value.pk})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def record_changes(
    *,
    instance: models.Model,
    changes: Mapping[str, tuple[Any, Any]],
    actor: Any = None,
    source: str = FieldChange.Source.EDIT,
    changed_at: datetime.datetime | None = None,
) -> list[FieldChange]:
    """Append one ``FieldChange`` per changed field of ``instance`` (a contact or company) in a
    single INSERT. Entries whose old and new text are equal are skipped."""
    entity = entity_of(instance)
    when = changed_at or timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    rows = []
    for field_name, (old, new) in changes.items():
        old_text, new_text = as_text(old), as_text(new)
        if old_text == new_text:
            continue
        rows.append(
            FieldChange(
                tenant_id=instance.tenant_id,
                entity=entity,
                object_id=instance.pk,
                field=str(field_name)[:100],
                old_value=old_text,
                new_value=new_text,
                source=source,
                actor_id=actor_id,
                changed_at=when,
            )
        )
    if not rows:
        return []
    with tenant_context(instance.tenant_id):
        return FieldChange.objects.bulk_create(rows)


def record_erasure(
    *,
    instance: models.Model,
    fields: Iterable[str],
    actor: Any = None,
    changed_at: datetime.datetime | None = None,
) -> list[FieldChange]:
    """Record *that* these fields were erased — with no old or new value, so the history never
    keeps the personal data the erasure removed."""
    entity = entity_of(instance)
    when = changed_at or timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    rows = [
        FieldChange(
            tenant_id=instance.tenant_id,
            entity=entity,
            object_id=instance.pk,
            field=name[:100],
            old_value="",
            new_value="",
            source=FieldChange.Source.ERASURE,
            actor_id=actor_id,
            changed_at=when,
        )
        for name in fields
    ]
    if not rows:
        return []
    with tenant_context(instance.tenant_id):
        return FieldChange.objects.bulk_create(rows)


def scrub_history(*, tenant_id: int, entity: str, object_ids: Iterable[int]) -> int:
    """Blank the old and new values of every history row of these records (erasure)."""
    with tenant_context(tenant_id):
        return (
            FieldChange.objects.filter(entity=entity, object_id__in=list(object_ids))
            .filter(~Q(old_value="") | ~Q(new_value=""))
            .update(old_value="", new_value="")
        )


def forget_history(*, tenant_id: int, entity: str, object_ids: Iterable[int]) -> int:
    """Delete the history of records that are deleted for good (the purge task calls this)."""
    with tenant_context(tenant_id):
        deleted, _detail = FieldChange.objects.filter(
            entity=entity, object_id__in=list(object_ids)
        ).delete()
        return deleted


# --- reads ----------------------------------------------------------------------------------


@dataclass
class HistoryPage:
    items: list[FieldChange]
    next_cursor: str | None


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def _cursor_for(change: FieldChange) -> str:
    micros = (change.changed_at - _EPOCH) // _MICROSECOND
    return f"{micros}_{change.pk}"


def _parse_cursor(cursor: str | None) -> tuple[datetime.datetime, int] | None:
    if not cursor:
        return None
    try:
        micros_text, id_text = cursor.split("_", 1)
        micros, pk = int(micros_text), int(id_text)
        when = _EPOCH + micros * _MICROSECOND
    except (ValueError, OverflowError, OSError):
        return None
    return when, pk


def field_label(model: type[models.Model], field_name: str) -> str:
    if field_name.startswith("custom."):
        return field_name.removeprefix("custom.")
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except FieldDoesNotExist:
        return field_name.replace("_", " ")


def record_history(
    *, instance: models.Model, cursor: str | None = None, limit: int = PAGE_SIZE
) -> HistoryPage:
    """One page of ``instance``'s history, newest first; the tenant must be bound (the scoped
    manager fails closed otherwise). One query."""
    entity = entity_of(instance)
    queryset = FieldChange.objects.filter(entity=entity, object_id=instance.pk).select_related(
        "actor"
    )
    position = _parse_cursor(cursor)
    if position is not None:
        when, pk = position
        queryset = queryset.filter(Q(changed_at__lt=when) | Q(changed_at=when, id__lt=pk))
    rows = list(queryset.order_by("-changed_at", "-id")[: limit + 1])
    items = rows[:limit]
    model = type(instance)
    for item in items:
        item.label = field_label(model, item.field)  # type: ignore[attr-defined]
    next_cursor = _cursor_for(items[-1]) if len(rows) > limit else None
    return HistoryPage(items=items, next_cursor=next_cursor)
