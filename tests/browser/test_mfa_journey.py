"""Enable TOTP two-factor authentication, then log in with a code."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from accounts.roles import Role
from tests.factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("[name=login]").fill(email)
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()


def test_enable_totp_then_log_in_with_a_code(live_server, page: Page, screenshot) -> None:
    tenant = TenantFactory(slug="mfa-co", name="MFA Co")
    user = UserFactory(email="secure@mfa-co.test")
    MembershipFactory(tenant=tenant, user=user, role=Role.ADMIN)

    log_in(page, live_server.url, user.email)
    expect(page).to_have_url(re.compile(r"/mfa-co/$"))

    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    # MFA changes need a fresh password confirmation (design: re-authenticate first).
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]+=*", secret)
    screenshot("mfa-activate")
    page.locator("[name=code]").fill(current_code(secret))
    page.get_by_role("button", name=re.compile("Activate", re.I)).click()
    # allauth offers recovery codes once TOTP is on.
    expect(page.get_by_text(re.compile("recovery codes", re.I)).first).to_be_visible()

    page.context.clear_cookies()
    log_in(page, live_server.url, user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("[name=code]").fill("000000" if current_code(secret) != "000000" else "111111")
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page.get_by_text(re.compile("incorrect code", re.I)).first).to_be_visible()

    page.locator("[name=code]").fill(current_code(secret))
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/mfa-co/$"))
    expect(page.get_by_role("heading", name="MFA Co")).to_be_visible()
