"""Demo records for ``manage.py seed_demo`` (and so ``make run``): a few hundred companies,
contacts, links, tags and activities per demo workspace, made by ``generate_data``'s loaders
(multilingual, deterministic), only in a workspace that has no contacts yet."""

from __future__ import annotations

import io
import time
from typing import Any

from accounts.roles import Role
from accounts.tenancy import tenant_context

DEMO_COMPANIES = 40
DEMO_CONTACTS = 300
DEMO_ACTIVITIES = 900


def seed_records(demo: Any) -> None:
    from crm.management.commands.generate_data import Command as Generate
    from crm.management.commands.generate_data import Generator
    from crm.models import Contact

    for index, (slug, tenant) in enumerate(sorted(demo.tenants.items())):
        with tenant_context(tenant):
            if Contact.objects.exists():
                continue
        users = [user for (user_slug, _role), user in demo.users.items() if user_slug == slug]
        owners = [
            user.pk
            for (user_slug, role), user in demo.users.items()
            if user_slug == slug and role in (Role.SALES_REP, Role.MANAGER)
        ]
        loader = Generate(stdout=io.StringIO())
        loader.started = time.perf_counter()
        seed = 1000 + index
        companies = loader.load_companies(tenant, Generator(seed), DEMO_COMPANIES, owners)
        loader.load_contacts(tenant, Generator(seed), DEMO_CONTACTS, owners, companies)
        loader.link_and_tag(tenant, seed)
        loader.load_activities(tenant, DEMO_ACTIVITIES, seed, [user.pk for user in users])
        demo.created.append(
            f"{DEMO_COMPANIES} companies, {DEMO_CONTACTS} contacts, {DEMO_ACTIVITIES} "
            f"activities in {slug}"
        )
