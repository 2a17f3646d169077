"""Field-level change history of companies and contacts: who changed which field, when, from
what to what. Written in bulk by ``crm.history.record_changes``; append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned
from crm.models.custom_fields import Entity


class FieldChange(TenantOwned):
    class Source(models.TextChoices):
        EDIT = "edit", _("Edit")
        IMPORT = "import", _("Import")
        MERGE = "merge", _("Merge")
        ERASURE = "erasure", _("Erasure")

    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    object_id = models.BigIntegerField(_("record"))
    field = models.CharField(_("field"), max_length=100)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.EDIT
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("by"),
    )  # fmt: skip
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("field change")
        verbose_name_plural = _("field changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "entity", "object_id", "-changed_at", "-id"],
                name="fieldchange_record_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity}#{self.object_id}.{self.field}"
