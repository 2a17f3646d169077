"""Activity writes: log calls, meetings, emails and notes; add, complete and reopen tasks.

Datetimes are aware (forms read them in the user's time zone; they are stored in UTC).
``contact`` / ``company`` / ``assignee`` may be instances or ids; each is looked up inside the
bound tenant (contacts and companies also must not be deleted), or a ValidationError is raised.
Logging on a record needs the right to edit that record (``crm.services.rights``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from crm.models import Activity, Company, Contact
from crm.services import rights

LOGGABLE = (Activity.Kind.CALL, Activity.Kind.MEETING, Activity.Kind.EMAIL, Activity.Kind.NOTE)


def _resolve(model: type[Contact] | type[Company], value: Any, field: str) -> Any:
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, model) else value
    try:
        obj = model.objects.filter(pk=int(pk), deleted_at__isnull=True).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise ValidationError({field: [_("Select a valid record.")]})
    return obj


def _targets(data: Mapping[str, Any]) -> tuple[Contact | None, Company | None]:
    contact = _resolve(Contact, data.get("contact"), "contact")
    company = _resolve(Company, data.get("company"), "company")
    if contact is None and company is None:
        raise ValidationError(_("An activity belongs to a contact or a company."))
    return contact, company


def _require_target_edit(
    tenant: Any, actor: Any, contact: Contact | None, company: Company | None
) -> None:
    for record in (contact, company):
        if record is not None:
            rights.require_edit(tenant, actor, record)


def _aware(value: Any, field: str, *, required: bool = False) -> datetime.datetime | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: [_("This field is required.")]})
        return None
    if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
        raise ValidationError({field: [_("Enter a valid date and time.")]})
    return value


def _subject(data: Mapping[str, Any]) -> str:
    subject = " ".join(str(data.get("subject") or "").split())
    if not subject:
        raise ValidationError({"subject": [_("This field is required.")]})
    if len(subject) > 200:
        raise ValidationError({"subject": [_("Enter at most %(max)d characters.") % {"max": 200}]})
    return subject


def activity_log(*, tenant: Any, actor: Any, data: Mapping[str, Any]) -> Activity:
    """Log a call, meeting, email or note. ``data``: kind, subject, body, occurred_at
    (default now), contact and/or company."""
    kind = data.get("kind")
    if kind not in LOGGABLE:
        raise ValidationError({"kind": [_("Choose a call, meeting, email or note.")]})
    contact, company = _targets(data)
    _require_target_edit(tenant, actor, contact, company)
    occurred_at = _aware(data.get("occurred_at"), "occurred_at") or timezone.now()
    return Activity.objects.create(
        tenant=tenant,
        kind=kind,
        subject=_subject(data),
        body=str(data.get("body") or "").strip(),
        occurred_at=occurred_at,
        contact=contact,
        company=company,
        author=actor if actor is not None and actor.is_authenticated else None,
    )


def _assignee(tenant: Any, value: Any, default: Any) -> User | None:
    if value in (None, ""):
        return default
    user_id = value.pk if isinstance(value, User) else value
    try:
        membership = (
            Membership.objects.filter(tenant=tenant, user_id=int(user_id))
            .select_related("user")
            .first()
        )
    except (TypeError, ValueError):
        membership = None
    if membership is None:
        raise ValidationError({"assignee": [_("Select a valid member.")]})
    return membership.user


def task_create(*, tenant: Any, actor: Any, data: Mapping[str, Any]) -> Activity:
    """Add a task. ``data``: subject, body, due_at (required), assignee (default the actor),
    remind_at (optional; a reminder email goes to the assignee then), contact and/or company."""
    contact, company = _targets(data)
    _require_target_edit(tenant, actor, contact, company)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, func in (
        ("subject", lambda: _subject(data)),
        ("due_at", lambda: _aware(data.get("due_at"), "due_at", required=True)),
        ("remind_at", lambda: _aware(data.get("remind_at"), "remind_at")),
        (
            "assignee",
            lambda: _assignee(
                tenant, data.get("assignee"), actor if actor and actor.is_authenticated else None
            ),
        ),
    ):
        try:
            values[name] = func()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return Activity.objects.create(
        tenant=tenant,
        kind=Activity.Kind.TASK,
        body=str(data.get("body") or "").strip(),
        occurred_at=timezone.now(),
        contact=contact,
        company=company,
        author=actor if actor is not None and actor.is_authenticated else None,
        **values,
    )


def _may_change(tenant: Any, actor: Any, activity: Activity) -> bool:
    if actor is None:
        return True
    if actor.pk in (activity.assignee_id, activity.author_id):
        return rights.role_of(tenant, actor) is not None
    role = rights.role_of(tenant, actor)
    targets = [r for r in (activity.contact, activity.company) if r is not None]
    return bool(targets) and all(rights.can_edit(role, actor.pk, record) for record in targets)


def task_set_done(*, tenant: Any, actor: Any, task: Activity, done: bool = True) -> Activity:
    """Complete (or reopen) a task; the assignee, the author or an editor of its record may."""
    if task.kind != Activity.Kind.TASK:
        raise ValidationError(_("Only tasks can be completed."))
    if not _may_change(tenant, actor, task):
        raise PermissionDenied
    with transaction.atomic():
        task.completed_at = timezone.now() if done else None
        Activity.objects.filter(pk=task.pk).update(completed_at=task.completed_at)
    return task


def activity_delete(*, tenant: Any, actor: Any, activity: Activity) -> None:
    if not _may_change(tenant, actor, activity):
        raise PermissionDenied
    Activity.objects.filter(pk=activity.pk).delete()
