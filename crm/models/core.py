"""Companies, contacts, tags and the links between them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Collate, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned

ACTIVE = Q(deleted_at__isnull=True)


class LifecycleStage(models.TextChoices):
    SUBSCRIBER = "subscriber", _("Subscriber")
    LEAD = "lead", _("Lead")
    OPPORTUNITY = "opportunity", _("Opportunity")
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Partner")
    SUPPLIER = "supplier", _("Supplier")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    S1 = "1-10", _("1–10 employees")
    S2 = "11-50", _("11–50 employees")
    S3 = "51-200", _("51–200 employees")
    S4 = "201-1000", _("201–1,000 employees")
    S5 = "1001-5000", _("1,001–5,000 employees")
    S6 = "5000+", _("More than 5,000 employees")


class AddressFields(models.Model):
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code"))

    class Meta:
        abstract = True


class Record(TenantOwned):
    """Fields every CRM record shares: ownership, custom values, soft delete, timestamps."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # Soft delete: restorable for 30 days, then purged by a task.
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Tag(TenantOwned):
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("colour"), max_length=7, default="#5b6478")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("tenant", Lower("name"), name="tag_name_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class Company(Record, AddressFields):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=CompanySize.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("E.164"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("parent company"),
    )
    # Lower-cased, "C"-collated copy of the name for prefix search by btree range
    # (see crm.selectors.search: under row-level security only leakproof operators, such as
    # text comparisons, can use an index; tsvector @@, pg_trgm % and jsonb @> cannot).
    name_key = models.GeneratedField(
        expression=Lower("name"),
        output_field=models.CharField(max_length=200, db_collation="C"),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(
                fields=["tenant", "name", "id"], name="company_name_idx", condition=ACTIVE
            ),
            models.Index(fields=["tenant", "-updated_at", "-id"], name="company_updated_idx"),
            models.Index(fields=["tenant", "owner", "id"], name="company_owner_idx"),
            models.Index(fields=["tenant", "-created_at", "-id"], name="company_created_idx"),
            models.Index(fields=["tenant", "country", "id"], name="company_country_idx"),
            models.Index(
                fields=["tenant", "deleted_at"],
                name="company_trash_idx",
                condition=Q(deleted_at__isnull=False),
            ),
            # Prefix search (btree ranges; leakproof, so usable under row-level security).
            models.Index("tenant", "name_key", name="company_name_key_idx", condition=ACTIVE),
            models.Index(
                "tenant", Collate("domain", "C"), name="company_domain_key_idx", condition=ACTIVE
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(Record, AddressFields):
    # Every index below leads with tenant_id: a single-column one would only cost writes.
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.CASCADE, editable=False, db_index=False
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    secondary_emails = models.JSONField(_("other emails"), default=list, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("E.164"))
    mobile = models.CharField(_("mobile"), max_length=32, blank=True, help_text=_("E.164"))
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, blank=True, help_text=_("e.g. en, de, fr")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=20,
        choices=LifecycleStage.choices,
        default=LifecycleStage.LEAD,
    )
    # The primary company, denormalised from ContactCompany for fast lists.
    company = models.ForeignKey(
        Company,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_contacts",
        verbose_name=_("company"),
    )
    # Indexed by contact_merged_into_idx (partial: almost every contact has none).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    # Lower-cased, "C"-collated copies for prefix search by btree range (see Company.name_key).
    first_name_key = models.GeneratedField(
        expression=Lower("first_name"),
        output_field=models.CharField(max_length=100, db_collation="C"),
        db_persist=True,
    )
    last_name_key = models.GeneratedField(
        expression=Lower("last_name"),
        output_field=models.CharField(max_length=100, db_collation="C"),
        db_persist=True,
    )
    email_key = models.GeneratedField(
        expression=Lower("email"),
        output_field=models.CharField(max_length=254, db_collation="C"),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(
                fields=["tenant", "last_name", "first_name", "id"],
                name="contact_name_idx",
                condition=ACTIVE,
            ),
            models.Index(fields=["tenant", "-created_at", "-id"], name="contact_created_idx"),
            models.Index(fields=["tenant", "-updated_at", "-id"], name="contact_updated_idx"),
            models.Index(fields=["tenant", "owner", "id"], name="contact_owner_idx"),
            # Stage and country are the usual list filters, and the list's default order is by
            # name: name-ordered within the filter, a filtered page reads ~50 index entries.
            models.Index(
                fields=["tenant", "lifecycle_stage", "last_name", "first_name", "id"],
                name="contact_stage_name_idx",
                condition=ACTIVE,
            ),
            models.Index(
                fields=["tenant", "country", "last_name", "first_name", "id"],
                name="contact_country_name_idx",
                condition=ACTIVE,
            ),
            models.Index(fields=["tenant", "company", "id"], name="contact_company_idx"),
            models.Index(
                fields=["tenant", "deleted_at"],
                name="contact_trash_idx",
                condition=Q(deleted_at__isnull=False),
            ),
            # Prefix search (btree ranges; leakproof, so usable under row-level security).
            # email_key also serves exact, case-insensitive email matches (email_key = %s).
            models.Index("tenant", "last_name_key", name="contact_last_key_idx", condition=ACTIVE),
            models.Index(
                "tenant", "first_name_key", name="contact_first_key_idx", condition=ACTIVE
            ),
            models.Index("tenant", "email_key", name="contact_email_key_idx", condition=ACTIVE),
            models.Index(
                "tenant", Collate("phone", "C"), name="contact_phone_key_idx", condition=ACTIVE
            ),
            # Contacts merged into one (privacy export, merges, the FK check on delete).
            models.Index(
                fields=["merged_into"],
                name="contact_merged_into_idx",
                condition=Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or str(self.pk)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactCompany(TenantOwned):
    """A contact's link to a company, with the contact's role there."""

    # tenant_id and contact_id lead the indexes of contactcompany_company_idx and
    # contact_company_unique: no single-column indexes for them.
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.CASCADE, editable=False, db_index=False
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="company_links", db_index=False
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contact_links")
    role = models.CharField(_("role"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("company link")
        verbose_name_plural = _("company links")
        constraints = [
            models.UniqueConstraint(fields=["contact", "company"], name="contact_company_unique")
        ]
        indexes = [
            models.Index(fields=["tenant", "company", "contact"], name="contactcompany_company_idx")
        ]


class ContactTag(TenantOwned):
    # tenant_id and contact_id lead contacttag_tag_idx and contact_tag_unique.
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.CASCADE, editable=False, db_index=False
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="tag_links", db_index=False
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="contact_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "tag"], name="contact_tag_unique")
        ]
        indexes = [models.Index(fields=["tenant", "tag", "contact"], name="contacttag_tag_idx")]


class CompanyTag(TenantOwned):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="company_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "tag"], name="company_tag_unique")
        ]
        indexes = [models.Index(fields=["tenant", "tag", "company"], name="companytag_tag_idx")]
