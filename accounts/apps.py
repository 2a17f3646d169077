from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_application_role(using: str, **kwargs: Any) -> None:
    """After migrating as the owner, let the application role read and write every table.

    The application role owns nothing and has no BYPASSRLS, so row-level security applies to
    it. Idempotent; skipped when both connections use the same role.
    """
    from django.conf import settings
    from django.db import connections

    app_role = settings.DATABASES["default"].get("USER")
    owner_role = settings.DATABASES[using].get("USER")
    if not app_role or app_role == owner_role:
        return
    with connections[using].cursor() as cursor:
        cursor.execute(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app_role}"'
        )
        cursor.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"')


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and tenancy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (audit receivers)

        post_migrate.connect(grant_application_role, dispatch_uid="kontor_grant_app_role")
