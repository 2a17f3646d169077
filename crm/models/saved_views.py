from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned


class SavedView(TenantOwned):
    """A user's named list view: the list's query string (filters, sort, columns)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=20)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(max_length=2000, blank=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "entity", "name"], name="savedview_unique"
            )
        ]
