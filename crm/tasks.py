"""Celery tasks of the contacts core. Thin: bind the tenant, call a service.

Beat (``CELERY_BEAT_SCHEDULE``): ``dispatch_task_reminders`` every minute and
``purge_deleted_records`` daily. Row-level security hides every tenant's rows unless that
tenant is bound, so the dispatchers walk the tenants (one cheap indexed query each, in one
transaction) and enqueue a per-tenant job where there is work.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from accounts.models import Tenant
from accounts.tenancy import tenant_context, tenant_task
from crm.models import Company, Contact
from crm.services import records, reminders


def _tenants_with(check) -> list[int]:  # type: ignore[no-untyped-def]
    found = []
    with transaction.atomic():
        for tenant_id in Tenant.objects.order_by("id").values_list("id", flat=True):
            with tenant_context(tenant_id):
                if check():
                    found.append(tenant_id)
    return found


@shared_task
def dispatch_task_reminders() -> int:
    """Every minute: enqueue ``send_task_reminders`` for each tenant with due reminders."""
    tenant_ids = _tenants_with(lambda: reminders.due_reminders().exists())
    for tenant_id in tenant_ids:
        send_task_reminders.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(acks_late=True)
@tenant_task
def send_task_reminders(*, tenant_id: int) -> int:
    tenant = Tenant.objects.get(pk=tenant_id)
    return reminders.send_due_reminders(tenant=tenant)


@shared_task
def purge_deleted_records() -> int:
    """Daily: enqueue ``purge_tenant_trash`` for each tenant with records past the restore window."""
    deadline = records.restore_deadline()

    def has_old() -> bool:
        return (
            Contact.objects.filter(deleted_at__lt=deadline).exists()
            or Company.objects.filter(deleted_at__lt=deadline).exists()
        )

    tenant_ids = _tenants_with(has_old)
    for tenant_id in tenant_ids:
        purge_tenant_trash.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(acks_late=True)
@tenant_task
def purge_tenant_trash(*, tenant_id: int, chunk: int = 1000) -> int:
    """Delete this tenant's records deleted more than 30 days ago, a chunk per transaction."""
    total = 0
    for model in (Contact, Company):
        while True:
            with transaction.atomic():
                n = records.purge_deleted(model=model, chunk=chunk)
            total += n
            if n < chunk:
                break
    return total


# The importer's task lives in its package; importing it here registers it with the worker
# (Celery's autodiscovery imports ``crm.tasks`` only).
from crm.imports.tasks import run_import  # noqa: E402, F401
