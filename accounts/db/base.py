"""PostgreSQL backend that binds the current tenant to every transaction.

Before the first statement of each transaction it runs
``set_config('kontor.tenant_id', <bound tenant or ''>, true)``, so row-level security policies
see exactly the tenant bound in ``accounts.tenancy`` — and nothing when none is bound. A
statement run in autocommit mode while a tenant is bound is wrapped in a short transaction so
the setting reaches it too. The setting is transaction-local, so a pooled connection never
carries one request's tenant into the next.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.backends.postgresql import base

from accounts.context import current_tenant_id

_NOT_BOUND = object()
BIND_SQL = "SELECT set_config('kontor.tenant_id', %s, true)"


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant_bound_in_transaction: object = _NOT_BOUND
        self.execute_wrappers.append(self._bind_tenant)

    def _bind_tenant(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        tenant_id = current_tenant_id()
        if self.get_autocommit() and not self.in_atomic_block:
            if tenant_id is None:
                return execute(sql, params, many, context)
            with transaction.atomic(using=self.alias):
                return self._bind_tenant(execute, sql, params, many, context)
        if self.tenant_bound_in_transaction != tenant_id:
            # The raw psycopg cursor skips Django's wrappers and query log on purpose.
            with self.connection.cursor() as cursor:
                cursor.execute(BIND_SQL, ["" if tenant_id is None else str(tenant_id)])
            self.tenant_bound_in_transaction = tenant_id
        return execute(sql, params, many, context)

    def _forget_tenant_binding(self) -> None:
        self.tenant_bound_in_transaction = _NOT_BOUND

    def _commit(self) -> None:
        self._forget_tenant_binding()
        super()._commit()

    def _rollback(self) -> None:
        self._forget_tenant_binding()
        super()._rollback()

    def _savepoint_rollback(self, sid: str) -> None:
        # ROLLBACK TO SAVEPOINT also undoes a set_config made after the savepoint. Forget it
        # only afterwards: the transaction may be aborted until the rollback has run.
        super()._savepoint_rollback(sid)
        self._forget_tenant_binding()

    def _set_autocommit(self, autocommit: bool) -> None:
        self._forget_tenant_binding()
        super()._set_autocommit(autocommit)

    def close(self) -> None:
        self._forget_tenant_binding()
        super().close()
