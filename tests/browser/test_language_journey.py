"""A user switches their language to German and sees the workspace in German, with dates in
German format and their own time zone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from tests.browser.test_mfa_journey import log_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_switch_language_to_german(live_server, page: Page, screenshot) -> None:
    tenant = TenantFactory(slug="sprach-co", name="Sprach Co", default_language="en")
    user = UserFactory(email="lena@sprach-co.test")
    MembershipFactory(tenant=tenant, user=user, role=Role.ADMIN)

    log_in(page, live_server.url, user.email)
    expect(page.locator("#nav-personal-settings")).to_have_text("My settings")
    page.locator("#nav-personal-settings").click()
    page.locator("[name=language]").select_option("de")
    page.locator("[name=time_zone]").select_option("America/New_York")
    page.locator("#save-personal-settings").click()

    page.goto(f"{live_server.url}/sprach-co/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#nav-personal-settings")).to_have_text("Meine Einstellungen")
    expect(page.locator("#nav-logout")).to_have_text("Abmelden")
    expect(page.locator(".footer")).to_contain_text("America/New_York")
    # German date format in the footer: "23. November 2026 …"
    expect(page.locator(".footer")).to_contain_text(re.compile(r"\d{1,2}\. \w+ \d{4}"))
    screenshot("home-german")
