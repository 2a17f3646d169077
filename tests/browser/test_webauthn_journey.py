"""Register a security key (WebAuthn) and log in with it, using Chromium's virtual
authenticator over the DevTools protocol."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from tests.browser.test_mfa_journey import log_in
from tests.factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def add_virtual_authenticator(page: Page) -> None:
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_register_a_security_key_and_log_in_with_it(live_server, page: Page, screenshot) -> None:
    tenant = TenantFactory(slug="key-co", name="Key Co")
    user = UserFactory(email="keys@key-co.test")
    MembershipFactory(tenant=tenant, user=user, role=Role.OWNER)
    add_virtual_authenticator(page)

    log_in(page, live_server.url, user.email)
    expect(page).to_have_url(re.compile(r"/key-co/$"))
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()

    page.locator("[name=name]").fill("Virtual key")
    page.locator("#mfa_webauthn_add").click()
    expect(page.get_by_text(re.compile("recovery codes", re.I)).first).to_be_visible()
    screenshot("webauthn-added")

    page.context.clear_cookies()
    log_in(page, live_server.url, user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_role("button", name=re.compile("security key", re.I)).click()
    expect(page).to_have_url(re.compile(r"/key-co/$"))
