"""Celery task of the importer. Thin: bind the tenant, call the service."""

from __future__ import annotations

from celery import shared_task

from accounts.tenancy import tenant_task


@shared_task(acks_late=True, name="crm.imports.run_import")
@tenant_task
def run_import(*, tenant_id: int, job_id: int) -> int:
    """Run import job ``job_id``; returns the number of processed rows."""
    from crm.imports.services import import_run

    return import_run(job_id=job_id).processed_rows
