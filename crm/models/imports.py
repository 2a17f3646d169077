"""CSV/XLSX import jobs and remembered column mappings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned


class ImportJob(TenantOwned):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        MAPPED = "mapped", _("Mapped")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class KeepDuplicate(models.TextChoices):
        FIRST = "first", _("Keep the first row")
        LAST = "last", _("Keep the last row")

    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    entity = models.CharField(_("record type"), max_length=20, default="contact")
    original_filename = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, editable=False)
    file_format = models.CharField(max_length=10, default="csv")
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    file_size = models.BigIntegerField(default=0, editable=False)
    match_key = models.CharField(_("match on"), max_length=60, default="email")
    keep_duplicate = models.CharField(
        _("duplicates in the file"), max_length=5, choices=KeepDuplicate.choices,
        default=KeepDuplicate.FIRST,
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    rejects_path = models.CharField(max_length=500, blank=True, editable=False)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"], name="importjob_recent_idx")
        ]

    def __str__(self) -> str:
        return self.original_filename

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ColumnMappingMemory(TenantOwned):
    """The mapping last used for a set of column headers, offered again next time."""

    entity = models.CharField(max_length=20)
    header_signature = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "entity", "header_signature"], name="mapping_memory_unique"
            )
        ]
