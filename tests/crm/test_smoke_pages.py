"""Every crm page renders for an owner (a quick check that templates and URLs fit together)."""

from __future__ import annotations

import pytest

from crm.models import Activity
from tests.factories_crm import ActivityFactory, CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_pages_render(tenant_a, owner_a, in_tenant, login, url):
    with in_tenant(tenant_a):
        company = CompanyFactory(name="Acme")
        contact = ContactFactory(company=company, tags=["vip"])
        ActivityFactory(contact=contact, kind=Activity.Kind.CALL, author=owner_a)
        ActivityFactory(
            contact=contact, kind=Activity.Kind.TASK, assignee=owner_a, due_at=contact.created_at
        )
    client = login(owner_a)
    pages = [
        url(tenant_a, "crm:contact_list"),
        url(tenant_a, "crm:contact_create"),
        url(tenant_a, "crm:contact_detail", contact.pk),
        url(tenant_a, "crm:contact_edit", contact.pk),
        url(tenant_a, "crm:contact_delete", contact.pk),
        url(tenant_a, "crm:company_list"),
        url(tenant_a, "crm:company_create"),
        url(tenant_a, "crm:company_detail", company.pk),
        url(tenant_a, "crm:company_edit", company.pk),
        url(tenant_a, "crm:task_list"),
        url(tenant_a, "crm:trash"),
        url(tenant_a, "crm:search") + "?q=acme",
        url(tenant_a, "crm:customfield_list"),
        url(tenant_a, "crm:customfield_create"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
