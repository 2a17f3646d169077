"""The timeline registry: providers merge into one newest-first list; keyset cursors walk it
without repeats or gaps, also across providers and equal timestamps."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from crm.models import Contact
from crm.timeline import (
    Position,
    TimelineEntry,
    register_provider,
    timeline_page,
    unregister_provider,
)
from tests.factories_crm import ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_provider():
    """A second source, "zz_external", with fixed entries (some at the same times as activities)."""
    base = timezone.now().replace(microsecond=0)
    rows = [
        (base - datetime.timedelta(minutes=m), i)
        for i, m in enumerate([0, 0, 1, 3, 3, 3, 7], start=1)
    ]

    def provider(*, tenant, subject, before, limit):
        if not isinstance(subject, Contact):
            return []
        items = [
            TimelineEntry(
                occurred_at=at,
                source="zz_external",
                id=pk,
                kind="ext",
                kind_label="Ext",
                title=f"ext {pk}",
            )
            for at, pk in rows
        ]
        if before is not None:
            items = [e for e in items if e.position < before]
        return sorted(items, key=lambda e: (e.occurred_at, e.id), reverse=True)[:limit]

    register_provider("zz_external", provider)
    yield base
    unregister_provider("zz_external")


def test_pages_merge_providers_without_repeats_or_gaps(tenant_a, in_tenant, fake_provider):
    base = fake_provider
    with in_tenant(tenant_a):
        contact = ContactFactory()
        # Activities at the same minutes as the external entries (ties across sources).
        for m in (0, 1, 1, 3, 5, 7, 7, 9):
            ActivityFactory(contact=contact, occurred_at=base - datetime.timedelta(minutes=m))
        ActivityFactory()  # someone else's
        everything = timeline_page(tenant=tenant_a, subject=contact, limit=100).entries
        assert len(everything) == 15
        keys = [(e.occurred_at, e.source, e.id) for e in everything]
        assert keys == sorted(keys, reverse=True)
        for size in (1, 2, 3, 4, 7):
            seen, cursor = [], None
            while True:
                page = timeline_page(tenant=tenant_a, subject=contact, cursor=cursor, limit=size)
                assert len(page.entries) <= size
                seen += [(e.source, e.id) for e in page.entries]
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
            assert seen == [(e.source, e.id) for e in everything], size


def test_cursor_round_trip_and_garbage():
    at = datetime.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=datetime.UTC)
    position = Position(at, "sales_deals", 42)
    assert Position.decode(position.encode()) == position
    for bad in ("", "x", "1_2", "abc_activities_1", "1_BAD SOURCE_3", "1_activities_x"):
        assert Position.decode(bad) is None


def test_register_rejects_bad_names():
    with pytest.raises(ValueError):
        register_provider("Bad Name", lambda **kw: [])
