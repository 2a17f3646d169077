"""Interactions logged on a contact or company: calls, meetings, emails, notes and tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned


class Activity(TenantOwned):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        NOTE = "note", _("Note")
        TASK = "task", _("Task")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    company = models.ForeignKey(
        "crm.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Tasks only.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(
                fields=["tenant", "contact", "-occurred_at", "-id"], name="activity_contact_idx"
            ),
            models.Index(
                fields=["tenant", "company", "-occurred_at", "-id"], name="activity_company_idx"
            ),
            models.Index(
                fields=["tenant", "assignee", "due_at"],
                name="activity_open_tasks_idx",
                condition=Q(kind="task", completed_at__isnull=True),
            ),
            models.Index(
                fields=["remind_at"],
                name="activity_reminder_idx",
                condition=Q(remind_at__isnull=False, reminder_sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.subject
