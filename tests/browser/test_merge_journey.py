"""A manager finds two duplicate contacts, picks values side by side and merges them; the
activities of both end up on the kept contact."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tenancy import tenant_context
from crm.models import Activity, Contact
from tests.browser.test_mfa_journey import log_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from tests.factories_crm import ActivityFactory, CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_merge_two_duplicates(live_server, page: Page, screenshot) -> None:
    tenant = TenantFactory(slug="merge-co", name="Merge Co")
    manager = UserFactory(email="mia@merge-co.test")
    MembershipFactory(tenant=tenant, user=manager, role=Role.MANAGER)
    with tenant_context(tenant):
        company = CompanyFactory(name="Analytical Engines")
        older = ContactFactory(
            first_name="Ada", last_name="Lovelace", email="ada@engines.example",
            job_title="", company=company,
        )  # fmt: skip
        newer = ContactFactory(
            first_name="Ada", last_name="Lovelace", email="ADA@engines.example",
            job_title="Mathematician", company=company,
        )  # fmt: skip
        ActivityFactory(contact=older, subject="First meeting")
        ActivityFactory(contact=newer, subject="Follow-up call")

    log_in(page, live_server.url, manager.email)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#admin-menu summary").click()
    page.locator("#nav-duplicates").click()
    pair = page.locator("#duplicate-pairs tr.duplicate-pair").first
    expect(pair).to_contain_text("Same email")
    screenshot("duplicates")
    pair.get_by_role("link", name=re.compile("merge", re.I)).click()

    form = page.locator("#merge-form")
    # Keep the older record, but take the job title from the newer one.
    keep_older = "a" if f"#{older.pk}" in form.locator("thead th").nth(1).inner_text() else "b"
    take_newer = "b" if keep_older == "a" else "a"
    form.locator(f"input[name=keep][value={keep_older}]").check()
    form.locator(f"tr[data-field=job_title] input[value={take_newer}]").check()
    screenshot("merge")
    form.get_by_role("button", name="Merge").click()

    expect(page).to_have_url(re.compile(rf"/merge-co/contacts/{older.pk}/$"))
    expect(page.locator("#timeline")).to_contain_text("First meeting")
    expect(page.locator("#timeline")).to_contain_text("Follow-up call")
    with tenant_context(tenant):
        kept = Contact.objects.get(pk=older.pk)
        assert kept.job_title == "Mathematician"
        assert Contact.objects.get(pk=newer.pk).merged_into_id == older.pk
        assert set(Activity.objects.filter(contact=kept).values_list("subject", flat=True)) == {
            "First meeting",
            "Follow-up call",
        }
