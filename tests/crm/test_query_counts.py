"""Every list and detail page runs a constant number of SQL queries: the same for 3 rows as
for 30 (select_related/prefetch, keyset pagination, capped counts), under a fixed ceiling."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Activity, CustomFieldType
from crm.services.custom_fields import custom_field_create
from tests.factories_crm import ActivityFactory, CompanyFactory, ContactFactory, TagFactory

pytestmark = pytest.mark.django_db

# Ceilings per page (session, user, tenant and membership lookups and the nav included).
CEILING = {
    "contact_list": 16,
    "company_list": 16,
    "contact_detail": 24,
    "company_detail": 22,
    "task_list": 10,
    "trash": 10,
    "search": 12,
}


def build(tenant, user, n):
    """n of everything: contacts with tags, companies, links, activities, tasks, trash."""
    acme = CompanyFactory(name="Acme", owner=user, tags=["key-account"])
    subject = ContactFactory(first_name="Subject", last_name="Person", company=acme, owner=user)
    tags = [TagFactory() for _ in range(3)]
    now = timezone.now()
    for i in range(n):
        company = CompanyFactory(
            name=f"Company {i}", owner=user if i % 2 else None, tags=[tags[i % 3]]
        )
        ContactFactory(
            last_name=f"Person {i}",
            company=company if i % 2 else acme,
            owner=user,
            tags=tags[: i % 3 + 1],
        )
        subject.company_links.create(company=company, role=f"Role {i}", tenant=tenant)
        ActivityFactory(
            contact=subject,
            kind=Activity.Kind.CALL,
            author=user,
            occurred_at=now - datetime.timedelta(minutes=i),
        )
        ActivityFactory(
            contact=subject, kind=Activity.Kind.TASK, author=user, assignee=user,
            due_at=now + datetime.timedelta(hours=i), remind_at=now + datetime.timedelta(hours=i),
        )  # fmt: skip
        ActivityFactory(contact=None, company=acme, kind=Activity.Kind.NOTE, author=user)
        ContactFactory(last_name=f"Gone {i}", deleted_at=now)
    return subject, acme


@pytest.fixture
def custom_fields(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        for entity in ("contact", "company"):
            custom_field_create(
                tenant=tenant_a, actor=owner_a,
                data={"entity": entity, "key": "tier", "field_type": CustomFieldType.CHOICE, "label_en": "Tier",
                      "choices": [{"value": "gold", "label_en": "Gold"}]},
            )  # fmt: skip


def pages(url, tenant, subject, acme):
    return {
        "contact_list": url(tenant, "crm:contact_list"),
        "company_list": url(tenant, "crm:company_list"),
        "contact_detail": url(tenant, "crm:contact_detail", subject.pk),
        "company_detail": url(tenant, "crm:company_detail", acme.pk),
        "task_list": url(tenant, "crm:task_list"),
        "trash": url(tenant, "crm:trash"),
        "search": url(tenant, "crm:search") + "?q=person",
    }


def count_queries(client, target):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(target)
    assert response.status_code == 200, target
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", list(CEILING))
def test_query_count_is_constant(
    name, tenant_a, owner_a, in_tenant, login, url, custom_fields, django_assert_max_num_queries
):
    client = login(owner_a)
    with in_tenant(tenant_a):
        subject, acme = build(tenant_a, owner_a, 3)
    small = pages(url, tenant_a, subject, acme)[name]
    count_queries(client, small)  # warm caches (content types, translations)
    few = count_queries(client, small)
    with in_tenant(tenant_a):
        subject, acme = build(tenant_a, owner_a, 30)
    large = pages(url, tenant_a, subject, acme)[name]
    many = count_queries(client, large)
    assert few == many, f"{name}: {few} queries for 3 rows, {many} for 30"
    with django_assert_max_num_queries(CEILING[name]):
        client.get(large)


def test_filtered_list_query_count_is_constant(
    tenant_a, owner_a, in_tenant, login, url, custom_fields
):
    client = login(owner_a)
    query = "?owner=me&tag=1&stage=lead&country=DE&cf.tier=gold&created_from=2000-01-01&q=person&sort=-updated"
    with in_tenant(tenant_a):
        build(tenant_a, owner_a, 3)
    target = url(tenant_a, "crm:contact_list") + query
    count_queries(client, target)
    few = count_queries(client, target)
    with in_tenant(tenant_a):
        build(tenant_a, owner_a, 30)
    assert count_queries(client, target) == few
