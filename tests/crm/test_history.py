"""Field-level change history of contacts and companies (issue 3): writes, the update service
integration, keyset pages newest first, the record panel and the history pages."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse
from crm.history import record_changes, record_history
from crm.models import Entity, FieldChange
from tests.factories_crm import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_record_changes_writes_one_row_per_changed_field_in_one_insert(tenant_a, owner_a):
    with tenant_context(tenant_a):
        acme, globex = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
        ada = ContactFactory()
    with CaptureQueriesContext(connection) as queries:
        rows = record_changes(
            instance=ada,
            changes={
                "first_name": ("Ada", "Augusta"),
                "job_title": ("Analyst", "Analyst"),  # unchanged: skipped
                "company": (acme, globex),
                "custom.size": (None, "M"),
                "tags": (["a"], ["a", "b"]),
                "erased_at": (None, datetime.datetime(2030, 1, 2, 3, 4, tzinfo=datetime.UTC)),
            },
            actor=owner_a,
        )
    assert len([q for q in queries.captured_queries if "INSERT" in q["sql"]]) == 1
    assert len(rows) == 5
    with tenant_context(tenant_a):
        values = {c.field: (c.old_value, c.new_value) for c in FieldChange.objects.all()}
        assert values["first_name"] == ("Ada", "Augusta")
        assert values["company"] == (f"Acme (#{acme.pk})", f"Globex (#{globex.pk})")
        assert values["custom.size"] == ("", "M")
        assert values["tags"] == ('["a"]', '["a", "b"]')
        assert values["erased_at"] == ("", "2030-01-02T03:04:00+00:00")
        change = FieldChange.objects.get(field="first_name")
        assert (change.entity, change.object_id, change.actor, change.tenant_id) == (
            Entity.CONTACT, ada.pk, owner_a, tenant_a.pk,
        )  # fmt: skip
    assert record_changes(instance=ada, changes={}, actor=None) == []


def test_record_changes_refuses_other_models(tenant_a):
    with tenant_context(tenant_a), pytest.raises(ValueError):
        record_changes(instance=Membership(), changes={"role": ("a", "b")})


def test_contact_update_service_records_history(tenant_a, owner_a):
    from crm.services.contacts import contact_update

    with tenant_context(tenant_a):
        ada = ContactFactory(first_name="Ada", job_title="Analyst", owner=owner_a)
        contact_update(tenant=tenant_a, actor=owner_a, contact=ada, data={"job_title": "Countess"})
        change = FieldChange.objects.get(entity=Entity.CONTACT, object_id=ada.pk)
    assert (change.field, change.old_value, change.new_value) == (
        "job_title",
        "Analyst",
        "Countess",
    )
    assert change.actor == owner_a and change.source == FieldChange.Source.EDIT


def make_changes(tenant, record, count: int, start: datetime.datetime | None = None):  # type: ignore[no-untyped-def]
    start = start or timezone.now() - datetime.timedelta(days=1)
    for n in range(count):
        record_changes(
            instance=record, changes={"city": (f"c{n}", f"c{n + 1}")},
            changed_at=start + datetime.timedelta(minutes=n // 2),  # pairs share a timestamp
        )  # fmt: skip


def test_history_pages_are_newest_first_and_keyset_paginated(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        ada = ContactFactory()
        other = ContactFactory()
    make_changes(tenant_a, ada, 7)
    make_changes(tenant_a, other, 3)
    with tenant_context(tenant_a):
        first = record_history(instance=ada, limit=3)
        second = record_history(instance=ada, cursor=first.next_cursor, limit=3)
        third = record_history(instance=ada, cursor=second.next_cursor, limit=3)
        seen = [c.new_value for page in (first, second, third) for c in page.items]
        assert seen == [f"c{n}" for n in range(7, 0, -1)]
        assert third.next_cursor is None
        assert first.items[0].label == "city"
        # Junk cursors give the first page, never an error.
        for junk in ("x", "1_", "_", "9" * 40 + "_1", "-5_x"):
            assert [c.pk for c in record_history(instance=ada, cursor=junk, limit=3).items] == [
                c.pk for c in first.items
            ]
    with tenant_context(tenant_b):
        assert record_history(instance=ada).items == []


# --- panel and pages ------------------------------------------------------------------------


def render_panel(tenant, user, record) -> str:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = user
    request.tenant = tenant
    request.membership = Membership.objects.get(tenant=tenant, user=user)
    with tenant_context(tenant):
        return render_to_string(
            "crm/history/_record_history.html", {"record": record}, request=request
        )


def test_history_panel_shows_newest_changes_with_a_constant_number_of_queries(tenant_a, owner_a):
    with tenant_context(tenant_a):
        ada = ContactFactory()
    make_changes(tenant_a, ada, 2)
    render_panel(tenant_a, owner_a, ada)
    with CaptureQueriesContext(connection) as few:
        html = render_panel(tenant_a, owner_a, ada)
    assert html.count('class="history-row"') == 2 and "history-more" not in html
    for n in range(30):
        record_changes(instance=ada, changes={"job_title": ("", f"title {n}")}, actor=owner_a)
    with CaptureQueriesContext(connection) as many:
        html = render_panel(tenant_a, owner_a, ada)
    assert html.count('class="history-row"') == 10 and "history-more" in html
    assert "title 29" in html  # the newest first
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # One query for the rows (actors joined); the other is this test's membership lookup.
    history_queries = [q["sql"] for q in many.captured_queries if "crm_" in q["sql"]]
    assert len(history_queries) == 1 and "accounts_user" in history_queries[0]


def test_company_history_panel_and_page(tenant_a, make_member):
    viewer = make_member(tenant_a, Role.VIEWER)
    with tenant_context(tenant_a):
        acme = CompanyFactory(name="Acme")
    record_changes(instance=acme, changes={"name": ("Acme", "Acme Corp")})
    assert "Acme Corp" in render_panel(tenant_a, viewer, acme)
    client = Client()
    client.force_login(viewer)
    response = client.get(tenant_reverse("crm_privacy:company_history", tenant_a, acme.pk))
    assert response.status_code == 200 and "Acme Corp" in response.content.decode()


def test_history_page_paginates_with_htmx_rows(tenant_a, make_member):
    with tenant_context(tenant_a):
        ada = ContactFactory()
    make_changes(tenant_a, ada, 25)
    client = Client()
    client.force_login(make_member(tenant_a, Role.SUPPORT_AGENT))
    url = tenant_reverse("crm_privacy:contact_history", tenant_a, ada.pk)
    page = client.get(url).content.decode()
    assert page.count('class="history-row"') == 20
    cursor = page.split("?before=")[1].split('"')[0]
    more = client.get(url, {"before": cursor}, headers={"HX-Request": "true"})
    assert more.status_code == 200
    assert (
        more.content.decode().count('class="history-row"') == 5
        and "<html" not in more.content.decode()
    )
    assert client.get(url, {"before": "junk"}).status_code == 200


def test_history_pages_answer_404_to_other_tenants(tenant_a, tenant_b, owner_b):
    with tenant_context(tenant_a):
        ada = ContactFactory()
        acme = CompanyFactory()
    record_changes(instance=ada, changes={"first_name": ("Secret", "Ada")})
    client = Client()
    client.force_login(owner_b)
    for tenant in (tenant_a, tenant_b):
        for name, pk in (("contact_history", ada.pk), ("company_history", acme.pk)):
            response = client.get(tenant_reverse(f"crm_privacy:{name}", tenant, pk))
            assert response.status_code == 404
            assert b"Secret" not in response.content


def test_erasure_shows_as_erased_without_values(tenant_a, owner_a):
    from crm.privacy.services import contact_erase

    with tenant_context(tenant_a):
        ada = ContactFactory(first_name="Ada", email="ada@example.test")
    record_changes(instance=ada, changes={"email": ("old@example.test", "ada@example.test")})
    contact_erase(tenant=tenant_a, contact_id=ada.pk, actor=owner_a)
    html = render_panel(tenant_a, owner_a, ada)
    assert "erased" in html
    assert "ada@example.test" not in html and "old@example.test" not in html
