"""Duplicate suggestions: same email (case-insensitive) and similar names at the same company,
per tenant, keyset-paginated, with a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse
from crm.dedupe.selectors import duplicate_pairs, parse_cursor
from crm.models import Contact
from tests.factories_crm import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def pair_ids(page) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return [(p.a.pk, p.b.pk) for p in page.pairs]


def test_same_email_in_any_case_is_suggested(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        ada = ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@example.test")
        ada2 = ContactFactory(first_name="Augusta", last_name="King", email="ADA@Example.TEST")
        ContactFactory(email="someone@example.test")
        ContactFactory(email="")
        ContactFactory(email="")  # blank emails are no duplicates of each other
    with tenant_context(tenant_b):
        ContactFactory(email="ada@example.test")  # another tenant's twin is never a suggestion
    page = duplicate_pairs(tenant=tenant_a)
    assert pair_ids(page) == [(ada.pk, ada2.pk)]
    assert page.pairs[0].same_email and not page.pairs[0].similar_name
    assert page.next_cursor is None
    assert pair_ids(duplicate_pairs(tenant=tenant_b)) == []


def test_similar_names_at_the_same_company_are_suggested(tenant_a):
    with tenant_context(tenant_a):
        acme, globex = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
        jon = ContactFactory(first_name="Jonathan", last_name="Smith", company=acme)
        jon2 = ContactFactory(first_name="Jonathon", last_name="Smith", company=acme)
        ContactFactory(first_name="Jonathan", last_name="Smith", company=globex)  # other company
        ContactFactory(first_name="Maria", last_name="Garcia", company=acme)  # not similar
        ContactFactory(first_name="Jonathan", last_name="Smith", company=None)  # no company
    page = duplicate_pairs(tenant=tenant_a)
    assert pair_ids(page) == [(jon.pk, jon2.pk)]
    assert page.pairs[0].similar_name and not page.pairs[0].same_email
    assert 0.6 <= page.pairs[0].name_similarity < 1


def test_pairs_matching_both_ways_are_listed_once(tenant_a):
    with tenant_context(tenant_a):
        acme = CompanyFactory()
        a = ContactFactory(
            first_name="Grace", last_name="Hopper", email="grace@example.test", company=acme
        )
        b = ContactFactory(
            first_name="Grace", last_name="Hoper", email="Grace@example.test", company=acme
        )
    page = duplicate_pairs(tenant=tenant_a)
    assert pair_ids(page) == [(a.pk, b.pk)]
    assert page.pairs[0].reasons == ["email", "name"]


def test_deleted_erased_and_merged_contacts_are_not_suggested(tenant_a):
    with tenant_context(tenant_a):
        ContactFactory(email="dup@example.test")
        gone = ContactFactory(email="dup@example.test")
        Contact.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
        erased = ContactFactory(email="dup@example.test")
        Contact.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    assert pair_ids(duplicate_pairs(tenant=tenant_a)) == []


def test_suggestions_are_keyset_paginated(tenant_a):
    with tenant_context(tenant_a):
        made = []
        for n in range(5):
            made.append(
                (
                    ContactFactory(email=f"p{n}@example.test").pk,
                    ContactFactory(email=f"P{n}@example.test").pk,
                )
            )
    first = duplicate_pairs(tenant=tenant_a, limit=2)
    assert pair_ids(first) == made[:2] and first.next_cursor
    second = duplicate_pairs(tenant=tenant_a, cursor=first.next_cursor, limit=2)
    assert pair_ids(second) == made[2:4]
    third = duplicate_pairs(tenant=tenant_a, cursor=second.next_cursor, limit=2)
    assert pair_ids(third) == made[4:] and third.next_cursor is None


@pytest.mark.parametrize("junk", ["", "x", "1-", "-1-2", "1-2-3", "99999999999999999999-1", None])
def test_bad_cursors_mean_the_first_page(junk):
    assert parse_cursor(junk) == (0, 0)


# --- the page -------------------------------------------------------------------------------


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def make_email_pairs(tenant, count: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    """``count`` same-email pairs, each with its company loaded on the page."""
    with tenant_context(tenant):
        for n in range(start, start + count):
            acme = CompanyFactory()
            ContactFactory(
                email=f"dup{n}@example.test", company=acme, first_name="Ann", last_name="Ash"
            )
            ContactFactory(
                email=f"DUP{n}@example.test", company=acme, first_name="Bob", last_name="Birch"
            )


def test_duplicates_page_lists_pairs_with_a_constant_number_of_queries(tenant_a, owner_a):
    url = tenant_reverse("crm_dedupe:contact_duplicates", tenant_a)
    client = client_for(owner_a)
    make_email_pairs(tenant_a, 2)
    client.get(url)  # warm up sessions, caches
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="duplicate-pair"') == 2
    make_email_pairs(tenant_a, 20, start=2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    body = response.content.decode()
    assert body.count('class="duplicate-pair"') == 22
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # The page itself: one set-based statement for the pairs, one for their contacts (with
    # companies joined); the rest is session, user, membership and the transaction.
    contact_queries = [q["sql"] for q in many.captured_queries if "crm_" in q["sql"]]
    assert len(contact_queries) == 2, contact_queries
    assert len(few) <= 10, [q["sql"] for q in few.captured_queries]


def test_duplicates_page_htmx_returns_the_next_rows(tenant_a, owner_a):
    make_email_pairs(tenant_a, 30)
    client = client_for(owner_a)
    url = tenant_reverse("crm_dedupe:contact_duplicates", tenant_a)
    first = client.get(url).content.decode()
    assert first.count('class="duplicate-pair"') == 25 and "?after=" in first
    cursor = first.split("?after=")[1].split('"')[0]
    more = client.get(url, {"after": cursor}, headers={"HX-Request": "true"})
    assert more.status_code == 200
    assert more.content.decode().count('class="duplicate-pair"') == 5
    assert "<html" not in more.content.decode()


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.MARKETER, Role.VIEWER, Role.SUPPORT_AGENT])
def test_duplicates_page_needs_edit_all_records(tenant_a, make_member, role):
    url = tenant_reverse("crm_dedupe:contact_duplicates", tenant_a)
    assert client_for(make_member(tenant_a, role)).get(url).status_code == 403


def test_duplicates_page_for_managers_and_not_for_other_tenants(tenant_a, make_member, owner_b):
    make_email_pairs(tenant_a, 1)
    url = tenant_reverse("crm_dedupe:contact_duplicates", tenant_a)
    assert client_for(make_member(tenant_a, Role.MANAGER)).get(url).status_code == 200
    assert client_for(owner_b).get(url).status_code == 404
    # B's own page shows none of A's pairs.
    response = client_for(owner_b).get(tenant_reverse("crm_dedupe:contact_duplicates", "bravo"))
    assert response.status_code == 200 and 'class="duplicate-pair"' not in response.content.decode()
