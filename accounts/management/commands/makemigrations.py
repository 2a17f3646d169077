"""``makemigrations`` that gives every new tenant-owned model its row-level security policy.

After each ``CreateModel`` of a ``TenantOwned`` model it appends
``accounts.rls.EnableTenantRowLevelSecurity`` to the same migration.
"""

from typing import Any

from django.apps import apps
from django.core.management.commands import makemigrations
from django.db.migrations.operations import CreateModel

from accounts.rls import EnableTenantRowLevelSecurity
from accounts.tenancy import is_tenant_owned


def add_row_level_security(changes: dict[str, list[Any]]) -> None:
    for app_label, migrations in changes.items():
        for migration in migrations:
            operations = []
            for operation in migration.operations:
                operations.append(operation)
                if not isinstance(operation, CreateModel):
                    continue
                try:
                    model = apps.get_model(app_label, operation.name)
                except LookupError:
                    continue
                if is_tenant_owned(model) and not model._meta.abstract:
                    operations.append(EnableTenantRowLevelSecurity(model_name=operation.name))
            migration.operations = operations


class Command(makemigrations.Command):
    def write_migration_files(
        self, changes: dict[str, list[Any]], *args: Any, **kwargs: Any
    ) -> None:
        add_row_level_security(changes)
        super().write_migration_files(changes, *args, **kwargs)
