"""Task reminder emails. Idempotent: a reminder is claimed and marked (``reminder_sent_at``) in
the same transaction that sends it, rows are locked with SKIP LOCKED so two workers never
send the same one, and a failed send rolls the claim back for the next run.

Each email goes to the assignee (or the author) in their language, with the due time in their
time zone (user → tenant).
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from accounts.models import Tenant
from accounts.urls_util import tenant_reverse
from crm.models import Activity

CHUNK = 1000


def due_reminders() -> Any:
    """Open tasks of the bound tenant whose reminder time has come and was not sent."""
    return Activity.objects.filter(
        kind=Activity.Kind.TASK,
        remind_at__isnull=False,
        remind_at__lte=timezone.now(),
        reminder_sent_at__isnull=True,
        completed_at__isnull=True,
    )


def _message(task: Activity, tenant: Tenant) -> EmailMessage | None:
    user = task.assignee or task.author
    if user is None or not user.email or not user.is_active:
        return None
    language = user.language or tenant.default_language or settings.LANGUAGE_CODE
    zone = zoneinfo.ZoneInfo(user.time_zone or tenant.time_zone or "UTC")
    path = (
        tenant_reverse("crm:contact_detail", tenant, task.contact_id)
        if task.contact_id
        else tenant_reverse("crm:company_detail", tenant, task.company_id)
        if task.company_id
        else tenant_reverse("crm:task_list", tenant)
    )
    with translation.override(language), timezone.override(zone):
        context = {
            "task": task,
            "due": formats.date_format(timezone.localtime(task.due_at), "DATETIME_FORMAT")
            if task.due_at
            else "",
            "about": str(task.contact or task.company or ""),
            "url": settings.KONTOR_BASE_URL.rstrip("/") + path,
        }
        subject = " ".join(render_to_string("crm/email/reminder_subject.txt", context).split())
        body = render_to_string("crm/email/reminder_body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[user.email])


def send_due_reminders(*, tenant: Tenant, chunk: int = CHUNK) -> int:
    """Send the bound tenant's due reminders in chunks over one mail connection; returns how
    many tasks were marked as reminded."""
    marked = 0
    connection = mailers.default
    with connection:
        while True:
            with transaction.atomic():
                tasks = list(
                    due_reminders()
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("assignee", "author", "contact", "company")
                    .order_by("remind_at", "id")[:chunk]
                )
                if not tasks:
                    break
                messages = [m for m in (_message(task, tenant) for task in tasks) if m is not None]
                if messages:
                    connection.send_messages(messages)
                Activity.objects.filter(pk__in=[t.pk for t in tasks]).update(
                    reminder_sent_at=timezone.now()
                )
            marked += len(tasks)
            if len(tasks) < chunk:
                break
    return marked
