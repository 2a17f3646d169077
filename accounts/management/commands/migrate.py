"""``migrate`` runs as the schema owner (the ``owner`` database) unless told otherwise: the
application's own role may not create or alter tables."""

from typing import Any

from django.conf import settings
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        if options["database"] == DEFAULT_DB_ALIAS and "owner" in settings.DATABASES:
            options["database"] = "owner"
        super().handle(*args, **options)
