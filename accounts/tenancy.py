"""The tenancy kernel.

Isolation is enforced twice:

1. In the ORM: tenant-owned models inherit ``TenantOwned``, whose default manager is
   fail-closed — a query with no tenant bound raises ``TenantNotBound``.
2. In PostgreSQL: every tenant-owned table has row-level security enabled and forced (see
   ``accounts.rls``); the database backend (``accounts.db``) sets ``kontor.tenant_id`` with
   ``set_config(…, true)`` at the start of every transaction from the bound tenant.

The current tenant lives in a ``ContextVar``; it is bound by ``TenantMiddleware`` for a request
and by ``tenant_task`` for a Celery task, and always reset in ``finally``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from accounts.models import Tenant

from accounts.context import current_tenant as _current_tenant_id
from accounts.context import current_tenant_id

__all__ = ["TenantNotBound", "TenantOwned", "current_tenant_id", "tenant_context", "tenant_task"]


class TenantNotBound(RuntimeError):
    """A tenant-owned model was queried with no tenant bound: fail closed, never return all."""


def require_tenant_id() -> int:
    tenant_id = _current_tenant_id.get()
    if tenant_id is None:
        raise TenantNotBound(
            "No tenant is bound. Bind one with tenant_context(…) or use Model.unscoped "
            "deliberately."
        )
    return tenant_id


@contextmanager
def tenant_context(tenant: Tenant | int | None) -> Iterator[None]:
    """Bind ``tenant`` for the duration of the block (``None`` binds no tenant)."""
    tenant_id = tenant if isinstance(tenant, int) or tenant is None else tenant.pk
    token = _current_tenant_id.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant_id.reset(token)


def tenant_task[F: Callable[..., Any]](func: F) -> F:
    """Decorator for Celery task bodies: the task takes ``tenant_id`` as its first keyword
    argument and runs with that tenant bound. Enqueue with ``tenant_id=tenant.pk``."""

    @functools.wraps(func)
    def wrapper(*args: Any, tenant_id: int, **kwargs: Any) -> Any:
        with tenant_context(int(tenant_id)):
            return func(*args, tenant_id=tenant_id, **kwargs)

    return wrapper  # type: ignore[return-value]


class TenantScopedQuerySet(models.QuerySet):
    pass


class TenantScopedManager(models.Manager.from_queryset(TenantScopedQuerySet)):  # type: ignore[misc]
    """Default manager of tenant-owned models: filters to the bound tenant, raises if none."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(tenant_id=require_tenant_id())

    def create(self, **kwargs: Any) -> Any:
        bound = require_tenant_id()
        tenant = kwargs.pop("tenant", None)
        tenant_id = kwargs.pop("tenant_id", None) or (tenant.pk if tenant is not None else bound)
        if tenant_id != bound:
            raise TenantNotBound("Refusing to create a row for a tenant other than the bound one.")
        return super().create(tenant_id=tenant_id, **kwargs)


class TenantOwned(models.Model):
    """Abstract base of every tenant-owned model.

    ``objects`` is scoped to the bound tenant and fails closed. ``unscoped`` reaches across
    tenants in the ORM — PostgreSQL's row-level security still applies — and is for the few
    places that must (platform jobs, the tenancy tests); grep for it in review.
    """

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, editable=False)

    objects = TenantScopedManager()
    unscoped = models.Manager()  # noqa: DJ012 (a manager, not a field)

    class Meta:
        abstract = True
        base_manager_name = "unscoped"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.tenant_id is None:
            self.tenant_id = require_tenant_id()
        super().save(*args, **kwargs)


def is_tenant_owned(model: type[models.Model]) -> bool:
    return issubclass(model, TenantOwned)
