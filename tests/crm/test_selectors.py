"""Selectors: keyset pagination (ties included), filters, counts, search (prefix + fuzzy)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from crm.models import Contact, CustomFieldType
from crm.selectors.lists import (
    COUNT_CAP,
    Count,
    capped_count,
    company_list_page,
    contact_list_page,
    estimated_count,
    task_list_page,
)
from crm.selectors.search import contact_search, phone_prefix, tokens_of
from crm.services.custom_fields import custom_field_create
from tests.factories_crm import ActivityFactory, CompanyFactory, ContactFactory, TagFactory

pytestmark = pytest.mark.django_db


def walk(tenant, user, params, page_size, lister=contact_list_page):
    """All rows, page by page, following next_cursor; also returns the pages."""
    pages, cursor = [], None
    while True:
        page = lister(tenant=tenant, user=user, params=params, cursor=cursor, page_size=page_size)
        pages.append(page)
        if not page.next_cursor:
            return [row.pk for page in pages for row in page.rows], pages
        cursor = page.next_cursor


def test_keyset_by_name_walks_every_row_once_with_ties(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        # Many identical names: the id breaks the ties.
        made = [ContactFactory(first_name="Ann", last_name="Lee") for _ in range(7)]
        made += [ContactFactory(first_name=f"P{i}", last_name="Zed") for i in range(4)]
        made += [ContactFactory(first_name="Bo", last_name="Adams")]
        seen, pages = walk(tenant_a, owner_a, {"sort": "name"}, page_size=3)
        assert sorted(seen) == sorted(c.pk for c in made)
        assert len(seen) == len(set(seen))
        expected = [c.pk for c in sorted(made, key=lambda c: (c.last_name, c.first_name, c.pk))]
        assert seen == expected
        assert pages[0].prev_cursor is None
        assert pages[1].prev_cursor is not None


def test_keyset_descending_and_previous_pages(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        now = timezone.now()
        made = []
        for i in range(9):
            c = ContactFactory()
            # Pairs share a timestamp (ties on created_at).
            Contact.objects.filter(pk=c.pk).update(
                created_at=now - datetime.timedelta(minutes=i // 2)
            )
            made.append(c.pk)
        seen, pages = walk(tenant_a, owner_a, {"sort": "-created"}, page_size=2)
        rows = list(Contact.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
        assert seen == rows
        # Going back from page 3 gives page 2 again.
        back = contact_list_page(
            tenant=tenant_a,
            user=owner_a,
            params={"sort": "-created"},
            cursor=pages[2].prev_cursor,
            page_size=2,
        )
        assert [r.pk for r in back.rows] == [r.pk for r in pages[1].rows]
        assert back.next_cursor


def test_invalid_cursor_starts_at_first_page(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        ContactFactory(last_name="A")
        for bad in ("garbage", "eyJ2IjpbMV0sImQiOiJuIn0", "e30"):
            page = contact_list_page(tenant=tenant_a, user=owner_a, params={}, cursor=bad)
            assert len(page.rows) == 1


def test_filters(tenant_a, owner_a, make_member, in_tenant):
    rep = make_member(tenant_a, Role.SALES_REP)
    with in_tenant(tenant_a):
        vip = TagFactory(name="vip")
        acme = CompanyFactory(name="Acme")
        a = ContactFactory(
            last_name="Alpha",
            owner=rep,
            tags=[vip],
            country="AT",
            company=acme,
            lifecycle_stage="customer",
        )
        b = ContactFactory(last_name="Beta", owner=owner_a, country="DE")
        c = ContactFactory(last_name="Gamma", owner=None, country="DE")
        Contact.objects.filter(pk=c.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=10)
        )
        ContactFactory(last_name="Deleted", deleted_at=timezone.now())

        def ids(**params):
            page = contact_list_page(tenant=tenant_a, user=owner_a, params=params, cursor=None)
            return {r.pk for r in page.rows}

        assert ids() == {a.pk, b.pk, c.pk}
        assert ids(owner=str(rep.pk)) == {a.pk}
        assert ids(owner="me") == {b.pk}
        assert ids(owner="none") == {c.pk}
        assert ids(tag=str(vip.pk)) == {a.pk}
        assert ids(country="de") == {b.pk, c.pk}
        assert ids(stage="customer") == {a.pk}
        assert ids(company=str(acme.pk)) == {a.pk}
        since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
        assert ids(created_from=since) == {a.pk, b.pk}
        assert ids(created_to=since) == {c.pk}
        assert ids(q="alp") == {a.pk}
        page = contact_list_page(
            tenant=tenant_a, user=owner_a, params={"owner": "x", "stage": "nope"}, cursor=None
        )
        assert set(page.errors) == {"owner", "stage"}
        assert {r.pk for r in page.rows} == {a.pk, b.pk, c.pk}


def test_custom_field_filter(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        custom_field_create(
            tenant=tenant_a,
            actor=owner_a,
            data={
                "entity": "contact",
                "key": "segment",
                "field_type": CustomFieldType.CHOICE,
                "label_en": "Segment",
                "choices": [
                    {"value": "b2b", "label_en": "Business"},
                    {"value": "b2c", "label_en": "Consumer"},
                ],
            },
        )
        custom_field_create(
            tenant=tenant_a,
            actor=owner_a,
            data={
                "entity": "contact",
                "key": "seats",
                "field_type": CustomFieldType.NUMBER,
                "label_en": "Seats",
            },
        )
        a = ContactFactory(custom={"segment": "b2b", "seats": 10})
        ContactFactory(custom={"segment": "b2c", "seats": 3})

        def ids(**params):
            page = contact_list_page(tenant=tenant_a, user=owner_a, params=params, cursor=None)
            return {r.pk for r in page.rows}, page.errors

        assert ids(**{"cf.segment": "b2b"}) == ({a.pk}, {})
        assert ids(**{"cf.segment": "Business"}) == ({a.pk}, {})
        assert ids(**{"cf.seats": "10"}) == ({a.pk}, {})
        rows, errors = ids(**{"cf.seats": "ten"})
        assert "cf.seats" in errors and len(rows) == 2
        rows, errors = ids(**{"cf.nope": "1"})
        assert "cf.nope" in errors


def test_counts_are_capped(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        ContactFactory.create_batch(5)
        qs = Contact.objects.all()
        assert capped_count(qs, cap=3) == Count(3, "at_least")
        assert capped_count(qs, cap=10) == Count(5, "exact")
        assert estimated_count(qs, filtered=False) == Count(5, "exact")
        page = contact_list_page(tenant=tenant_a, user=owner_a, params={}, cursor=None)
        assert page.count == Count(5, "exact")
        assert COUNT_CAP == 10_000
        assert estimated_count(qs, filtered=True, cap=4) == Count(4, "at_least")


def test_filtered_counts_stop_at_the_filtered_cap(tenant_a, owner_a, in_tenant, monkeypatch):
    from crm.selectors import lists

    monkeypatch.setattr(lists, "FILTERED_COUNT_CAP", 2)
    with in_tenant(tenant_a):
        ContactFactory.create_batch(3, lifecycle_stage="lead")
        page = contact_list_page(
            tenant=tenant_a, user=owner_a, params={"stage": "lead"}, cursor=None
        )
        assert page.count == Count(2, "at_least")


def test_companies_list_and_isolation(tenant_a, tenant_b, owner_a, owner_b, in_tenant):
    with in_tenant(tenant_a):
        made = [CompanyFactory(name=f"Co {i % 3}") for i in range(8)]
    with in_tenant(tenant_b):
        CompanyFactory(name="Other")
        seen, _ = walk(tenant_b, owner_b, {}, 3, lister=company_list_page)
        assert len(seen) == 1
    with in_tenant(tenant_a):
        seen, _ = walk(tenant_a, owner_a, {"sort": "-name"}, 3, lister=company_list_page)
        assert seen == [c.pk for c in sorted(made, key=lambda c: (c.name, c.pk), reverse=True)]


def test_tokens_and_phone_prefix():
    assert tokens_of("Ada  Lov") == ["ada", "lov"]
    assert tokens_of("ada@exa") == ["ada@exa"]
    assert tokens_of("O'Brien & | !") == ["o'brien"]
    assert tokens_of("  ") == []
    assert phone_prefix("+49 30 123") == "+4930123"
    assert phone_prefix("0049 (30) 123") == "+4930123"
    assert phone_prefix("12") is None and phone_prefix("Ada") is None


def test_search_prefix_fuzzy_email_phone_company(tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_a):
        acme = CompanyFactory(name="Acme Industries", domain="acme.example")
        ada = ContactFactory(
            first_name="Ada", last_name="Lovelace", email="ada@analytical.example", company=acme
        )
        mueller = ContactFactory(
            first_name="Hans", last_name="Mueller", email="h@x.example", phone="+4930123456"
        )
        ContactFactory(first_name="Gone", last_name="Lovelace", deleted_at=timezone.now())
    with in_tenant(tenant_b):
        ContactFactory(first_name="Ada", last_name="Lovelace")
        CompanyFactory(name="Acme Other")
    with in_tenant(tenant_a):
        assert [c.pk for c in contact_search(tenant=tenant_a, query="lovel").contacts] == [ada.pk]
        assert [c.pk for c in contact_search(tenant=tenant_a, query="ada lov").contacts] == [ada.pk]
        assert [c.pk for c in contact_search(tenant=tenant_a, query="ada@analy").contacts] == [
            ada.pk
        ]
        assert [c.pk for c in contact_search(tenant=tenant_a, query="+49 30 12").contacts] == [
            mueller.pk
        ]
        # Fuzzy: a typo still finds the name.
        assert [c.pk for c in contact_search(tenant=tenant_a, query="Muellr").contacts] == [
            mueller.pk
        ]
        assert [c.pk for c in contact_search(tenant=tenant_a, query="Lovelance").contacts] == [
            ada.pk
        ]
        # Letters swapped at the start of the word ("ue" → "eu", "ov" → "vo") are caught too.
        assert [c.pk for c in contact_search(tenant=tenant_a, query="Meuller").contacts] == [
            mueller.pk
        ]
        assert [c.pk for c in contact_search(tenant=tenant_a, query="Lvoelace").contacts] == [
            ada.pk
        ]
        results = contact_search(tenant=tenant_a, query="acme")
        assert [c.pk for c in results.companies] == [acme.pk]
        assert [
            c.pk for c in contact_search(tenant=tenant_a, query="Acme Indstries").companies
        ] == [acme.pk]
        assert contact_search(tenant=tenant_a, query="zzzzqq").is_empty
        assert contact_search(tenant=tenant_a, query="'&|").is_empty


def test_search_query_count_is_constant(tenant_a, in_tenant, django_assert_max_num_queries):
    with in_tenant(tenant_a):
        for i in range(30):
            ContactFactory(first_name="Sam", last_name=f"Smith{i}", company=CompanyFactory())
        with django_assert_max_num_queries(4):
            results = contact_search(tenant=tenant_a, query="smith", limit=20)
            [str(c.company) for c in results.contacts]
        assert len(results.contacts) == 20
        with django_assert_max_num_queries(6):  # prefix (2), similar names (2), contacts
            results = contact_search(tenant=tenant_a, query="Smiht", limit=20)
            [str(c.company) for c in results.contacts]
        assert len(results.contacts) == 20


def test_task_list(tenant_a, owner_a, make_member, in_tenant):
    rep = make_member(tenant_a, Role.SALES_REP)
    with in_tenant(tenant_a):
        now = timezone.now()
        mine = [
            ActivityFactory(kind="task", assignee=rep, due_at=now + datetime.timedelta(hours=h))
            for h in (3, 1, 2)
        ]
        ActivityFactory(kind="task", assignee=owner_a, due_at=now)
        done = ActivityFactory(kind="task", assignee=rep, due_at=now, completed_at=now)
        page = task_list_page(tenant=tenant_a, user=rep, params={}, cursor=None)
        assert [t.pk for t in page.rows] == [mine[1].pk, mine[2].pk, mine[0].pk]
        page = task_list_page(tenant=tenant_a, user=rep, params={"status": "done"}, cursor=None)
        assert [t.pk for t in page.rows] == [done.pk]
        page = task_list_page(
            tenant=tenant_a, user=rep, params={"assignee": "all"}, cursor=None, page_size=2
        )
        assert len(page.rows) == 2 and page.next_cursor
