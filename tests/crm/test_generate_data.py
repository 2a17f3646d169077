"""``generate_data``: a small run fills the scale tenant and small tenants, deterministically,
through row-level security."""

from __future__ import annotations

import phonenumbers
import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, Tenant
from accounts.roles import Role
from accounts.tenancy import tenant_context
from crm.models import Activity, Company, Contact, ContactCompany, ContactTag

pytestmark = pytest.mark.django_db(transaction=False)


def run(slug: str, **options) -> None:  # type: ignore[no-untyped-def]
    defaults = {
        "contacts": 500,
        "companies": 50,
        "activities": 2000,
        "small_tenants": 2,
        "small_contacts": 3,
        "seed": 42,
        "no_analyze": True,
        "stdout": open("/dev/null", "w"),  # noqa: SIM115
    }
    call_command("generate_data", "--tenant", slug, **{**defaults, **options})


def test_small_run_fills_tenants(tenant_a) -> None:
    run("big")
    big = Tenant.objects.get(slug="big")
    roles = set(Membership.objects.filter(tenant=big).values_list("role", flat=True))
    assert {Role.OWNER, Role.MANAGER, Role.SALES_REP, Role.MARKETER} <= roles
    with tenant_context(big):
        assert Contact.objects.count() == 500
        assert Company.objects.count() == 50
        assert Activity.objects.count() == 2000
        contacts = list(Contact.objects.all())
        with_company = [c for c in contacts if c.company_id]
        assert ContactCompany.objects.filter(is_primary=True).count() == len(with_company) > 0
        assert ContactTag.objects.exists()
        assert Activity.objects.filter(contact__isnull=True, company__isnull=False).exists()
    countries = {c.country for c in contacts}
    assert {"DE", "FR", "JP", "TR"} <= countries
    assert any(not c.first_name.isascii() or not c.last_name.isascii() for c in contacts)
    emails = [c.email for c in contacts if c.email]
    assert len(emails) == len(set(emails))
    for contact in contacts[:50]:
        if contact.phone:
            assert phonenumbers.is_valid_number(phonenumbers.parse(contact.phone, None))
    smalls = Tenant.objects.filter(slug__in=["small-0001", "small-0002"])
    assert smalls.count() == 2
    for small in smalls:
        with tenant_context(small):
            assert Contact.objects.count() == 3
    with tenant_context(tenant_a):  # nothing leaks into other tenants
        assert Contact.objects.count() == 0


def test_same_seed_same_data_and_refuses_to_overwrite() -> None:
    run("gen-one", small_tenants=0, activities=10)
    run("gen-two", small_tenants=0, activities=10)

    def snapshot(slug: str) -> list[tuple]:
        with tenant_context(Tenant.objects.get(slug=slug)):
            return list(
                Contact.objects.order_by("id").values_list(
                    "first_name", "last_name", "email", "phone", "country", "lifecycle_stage"
                )
            )

    assert snapshot("gen-one") == snapshot("gen-two")
    with pytest.raises(CommandError, match="already has 500 contacts"):
        run("gen-one", small_tenants=0)
    run("gen-one", small_tenants=0, contacts=20, companies=5, activities=10, reset=True)
    with tenant_context(Tenant.objects.get(slug="gen-one")):
        assert Contact.objects.count() == 20
