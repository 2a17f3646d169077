"""Custom fields a tenant admin defines per entity. Values live in the record's ``custom``
JSON (keyed by ``CustomFieldDefinition.key``), indexed with GIN for filters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned


class Entity(models.TextChoices):
    CONTACT = "contact", _("Contact")
    COMPANY = "company", _("Company")


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    MONEY = "money", _("Money")
    BOOLEAN = "boolean", _("Yes/no")
    URL = "url", _("URL")


class CustomFieldDefinition(TenantOwned):
    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    key = models.SlugField(
        _("key"), max_length=50, help_text=_("Used in imports, exports and filters.")
    )
    label = models.CharField(_("label"), max_length=100)  # translatable (crm/translation.py)
    field_type = models.CharField(_("type"), max_length=20, choices=CustomFieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("For money fields.")
    )

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["entity", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "entity", "key"], name="customfield_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label


class CustomFieldChoice(TenantOwned):
    definition = models.ForeignKey(
        CustomFieldDefinition, on_delete=models.CASCADE, related_name="choices"
    )
    value = models.SlugField(_("value"), max_length=50)
    label = models.CharField(_("label"), max_length=100)  # translatable
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "value"], name="customfieldchoice_unique")
        ]

    def __str__(self) -> str:
        return self.label
