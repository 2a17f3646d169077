"""Celery tasks of the importer. Thin: bind the tenant, call the service.

Beat: ``crm.imports.purge_import_files`` daily (uploads never imported and old rejected-row
files hold personal data).
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from accounts.models import Tenant
from accounts.tenancy import tenant_context, tenant_task


@shared_task(acks_late=True, name="crm.imports.run_import")
@tenant_task
def run_import(*, tenant_id: int, job_id: int) -> int:
    """Run import job ``job_id``; returns the number of processed rows."""
    from crm.imports.services import import_run

    return import_run(job_id=job_id).processed_rows


@shared_task(name="crm.imports.purge_import_files")
def purge_import_files() -> int:
    """Daily: delete stale uploads and old rejected-row files, tenant by tenant (row-level
    security shows each tenant's jobs only while it is bound)."""
    from crm.imports.services import import_purge_files

    deleted = 0
    for tenant_id in Tenant.objects.order_by("id").values_list("id", flat=True):
        with tenant_context(tenant_id), transaction.atomic():
            deleted += import_purge_files()
    return deleted
