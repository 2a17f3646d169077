"""Browser journey (Playwright + Chromium): a sales rep creates a contact, logs a call and adds a
task in place (htmx), finds the contact with the search box as they type, tags it from the
list, and the list reads well on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tenancy import tenant_context
from tests.browser.test_mfa_journey import log_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from tests.factories_crm import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_contact_journey(live_server, page: Page, screenshot) -> None:
    tenant = TenantFactory(slug="kontakt-co", name="Kontakt Co")
    rep = UserFactory(email="rep@kontakt-co.test", first_name="Rita", last_name="Rep")
    MembershipFactory(tenant=tenant, user=rep, role=Role.SALES_REP)
    with tenant_context(tenant):
        acme = CompanyFactory(name="Acme Analytical")
        ContactFactory(first_name="Charles", last_name="Babbage", company=acme)
    base = f"{live_server.url}/kontakt-co"

    log_in(page, live_server.url, rep.email)
    page.locator("#nav-companies").click()
    page.get_by_role("link", name="New company").click()
    page.locator("[name=name]").fill("Difference Engines Ltd")
    page.locator("[name=domain]").fill("difference.example")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Difference Engines Ltd")

    page.locator("#nav-contacts").click()
    expect(page.locator("h1")).to_have_text("Contacts")
    page.get_by_role("link", name="New contact").click()
    page.locator("[name=first_name]").fill("Ada")
    page.locator("[name=last_name]").fill("Lovelace")
    page.locator("[name=email]").fill("ada@analytical.example")
    page.locator("[name=phone]").fill("030 1234567")
    page.locator("[name=country]").select_option("DE")
    page.locator("[name=company]").fill(f"Acme Analytical (#{acme.pk})")
    page.locator("[name=tags]").fill("vip, newsletter")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Ada Lovelace")
    expect(page.locator(".facts")).to_contain_text("+49 30 1234567")
    expect(page.locator(".tags")).to_contain_text("vip")
    detail_url = page.url

    # Log a call in place: the panel is swapped by htmx, the page is not reloaded.
    page.locator("#activity-panel summary", has_text="Log a call").click()
    page.locator("[name=activity-kind]").select_option("call")
    page.locator("[name=activity-subject]").fill("Intro call about the engine")
    page.get_by_role("button", name="Log activity").click()
    expect(page.locator("#timeline")).to_contain_text("Intro call about the engine")
    assert page.url == detail_url
    # Add a task (entered in the user's time zone).
    page.locator("#activity-panel summary", has_text="Add a task").click()
    page.locator("[name=task-subject]").fill("Send the notes")
    page.locator("[name=task-due_at]").fill("2030-01-15T09:00")
    page.get_by_role("button", name="Add task").click()
    expect(page.locator("#timeline")).to_contain_text("Send the notes")
    expect(page.locator("#timeline")).to_contain_text("Due")
    screenshot("crm-contact-detail")

    # Search as you type from the top bar.
    page.locator("#nav-search-q").fill("lovel")
    expect(page.locator("#nav-search-results")).to_contain_text("Ada Lovelace")
    page.locator("#nav-search-q").fill("babage")  # a typo: fuzzy
    expect(page.locator("#nav-search-results")).to_contain_text("Charles Babbage")

    # Tag from the list with a bulk action.
    page.goto(f"{base}/contacts/")
    page.get_by_label(re.compile("Select: Charles Babbage")).check()
    page.locator("#bulk-action").select_option("tag")
    page.locator("#bulk-tag").fill("engine")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".messages")).to_contain_text("1 record changed")
    expect(page.locator("#rows")).to_contain_text("engine")

    # On a phone the table becomes labelled cards.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{base}/contacts/")
    cell = page.locator("td[data-label=Email]").first
    expect(cell).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    screenshot("crm-contact-list-phone")
    page.goto(detail_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    screenshot("crm-contact-detail-phone")
