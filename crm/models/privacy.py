"""Consent per contact and purpose, and the suppression list of erased addresses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned


class ConsentPurpose(models.TextChoices):
    EMAIL_MARKETING = "email_marketing", _("Marketing email")
    PHONE = "phone", _("Phone calls")
    SMS = "sms", _("Text messages")
    PROFILING = "profiling", _("Profiling")


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    VITAL_INTERESTS = "vital_interests", _("Vital interests")
    PUBLIC_TASK = "public_task", _("Public task")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")


class Consent(TenantOwned):
    """One consent decision. Append-only: the newest row per (contact, purpose) is the current
    state and the older rows are its history."""

    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    lawful_basis = models.CharField(_("lawful basis"), max_length=30, choices=LawfulBasis.choices)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("e.g. web form, import, phone")
    )
    proof = models.TextField(
        _("proof"), blank=True, help_text=_("The wording the person agreed to.")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "contact", "purpose", "-recorded_at"], name="consent_current_idx"
            )
        ]


class Suppression(TenantOwned):
    """A hashed address that must never be imported or mailed again (kept after erasure)."""

    email_sha256 = models.CharField(max_length=64)
    reason = models.CharField(_("reason"), max_length=30, default="erasure")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email_sha256"], name="suppression_unique")
        ]
