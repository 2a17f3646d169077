"""``manage.py seed_demo``: demo workspaces and one login per role, safe to run again.

Two tenants — Acme GmbH (German, Europe/Berlin, EUR) and Globex Inc (English,
America/New_York, USD) — each with one user per role, e.g. ``rep@acme.example``; every demo
password is ``kontor-demo``. Existing rows are left as they are (a changed password stays
changed), so ``make run`` can call this on every start.

Extending the demo data: write a function ``seed_something(demo: Demo) -> None`` that is
idempotent (get-or-create by a natural key) and append it to ``SEED_STEPS`` — later steps see
the tenants and users in ``demo``. Steps that write tenant-owned rows bind the tenant
themselves::

    def seed_contacts(demo: Demo) -> None:
        for tenant in demo.tenants.values():
            with tenant_context(tenant):
                ...

    SEED_STEPS.append(seed_contacts)   # or import it here and list it below
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Membership, Tenant, User
from accounts.roles import Role
from accounts.services import tenant_create
from crm.demo import seed_records

DEMO_PASSWORD = "kontor-demo"


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    domain: str
    default_language: str
    time_zone: str
    currency: str
    enabled_languages: tuple[str, ...] = ("en", "de")


DEMO_TENANTS = [
    DemoTenant("acme", "Acme GmbH", "acme.example", "de", "Europe/Berlin", "EUR"),
    DemoTenant("globex", "Globex Inc", "globex.example", "en", "America/New_York", "USD"),
]

# Local part of each demo login, per role: rep@acme.example is Acme's sales rep.
ROLE_LOGINS: dict[str, str] = {
    Role.OWNER: "owner",
    Role.ADMIN: "admin",
    Role.MANAGER: "manager",
    Role.SALES_REP: "rep",
    Role.SUPPORT_AGENT: "agent",
    Role.MARKETER: "marketer",
    Role.VIEWER: "viewer",
}

FIRST_NAMES: dict[str, str] = {
    Role.OWNER: "Olivia",
    Role.ADMIN: "Adam",
    Role.MANAGER: "Maria",
    Role.SALES_REP: "Robert",
    Role.SUPPORT_AGENT: "Sofia",
    Role.MARKETER: "Max",
    Role.VIEWER: "Vera",
}


@dataclass
class Demo:
    """What the seeding steps have made so far; later steps build on it."""

    tenants: dict[str, Tenant] = field(default_factory=dict)  # by slug
    # (tenant slug, role) → user
    users: dict[tuple[str, str], User] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)  # human-readable, for the summary

    def user(self, slug: str, role: str) -> User:
        return self.users[(slug, role)]


def demo_user(email: str, *, first_name: str, last_name: str, demo: Demo) -> User:
    """The demo user with this email, created with a verified primary address if missing."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, first_name=first_name, last_name=last_name
        )
        demo.created.append(f"user {email}")
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed_accounts(demo: Demo) -> None:
    """Both demo tenants with their settings, and one member per role in each."""
    for spec in DEMO_TENANTS:
        owner_email = f"{ROLE_LOGINS[Role.OWNER]}@{spec.domain}"
        owner = demo_user(
            owner_email, first_name=FIRST_NAMES[Role.OWNER], last_name=spec.name.split()[0],
            demo=demo,
        )  # fmt: skip
        tenant = Tenant.objects.filter(slug=spec.slug).first()
        if tenant is None:
            tenant = tenant_create(
                name=spec.name, slug=spec.slug, owner=owner, default_language=spec.default_language
            )
            Tenant.objects.filter(pk=tenant.pk).update(
                time_zone=spec.time_zone,
                default_currency=spec.currency,
                reporting_currency=spec.currency,
                enabled_languages=list(spec.enabled_languages),
            )
            tenant.refresh_from_db()
            demo.created.append(f"tenant {spec.slug}")
        demo.tenants[spec.slug] = tenant

        for role, local_part in ROLE_LOGINS.items():
            email = f"{local_part}@{spec.domain}"
            user = demo_user(
                email, first_name=FIRST_NAMES[role], last_name=spec.name.split()[0], demo=demo
            )
            _, created = Membership.objects.get_or_create(
                tenant=tenant, user=user, defaults={"role": role}
            )
            if created:
                demo.created.append(f"membership {email} in {spec.slug} as {role}")
            demo.users[(spec.slug, role)] = user


# Run in order, each inside the same transaction. Append idempotent steps for new demo data.
SEED_STEPS: list[Callable[[Demo], None]] = [seed_accounts, seed_records]


class Command(BaseCommand):
    help = "Create demo tenants and one login per role (idempotent) and print the logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the table of logins."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        demo = Demo()
        with transaction.atomic():
            for step in SEED_STEPS:
                step(demo)
        if demo.created:
            self.stdout.write(self.style.SUCCESS(f"Demo data: created {len(demo.created)} rows."))
        else:
            self.stdout.write("Demo data: already there, nothing to do.")
        if not options["quiet_logins"]:
            self.print_logins(demo)

    def print_logins(self, demo: Demo) -> None:
        rows = [
            (tenant.name, f"/{slug}/", Role(role).label, user.email)
            for slug, tenant in demo.tenants.items()
            for (user_slug, role), user in demo.users.items()
            if user_slug == slug
        ]
        headers = ("Workspace", "URL", "Role", "Login")
        widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

        def line(cells: tuple[str, ...]) -> str:
            padded = (str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True))
            return "  ".join(padded).rstrip()

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(line(headers)))
        for row in rows:
            self.stdout.write(line(row))
        self.stdout.write(f"\nPassword for every demo login: {DEMO_PASSWORD}")
