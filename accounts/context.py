"""The current tenant, as a ContextVar. No Django imports: the database backend uses it."""

import contextvars

current_tenant: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "kontor_tenant_id", default=None
)


def current_tenant_id() -> int | None:
    return current_tenant.get()
