"""Sign up → verify the email → land on the new tenant's home."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership, Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_verify_and_land_on_tenant_home(live_server, page: Page, screenshot) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("founder@newco.test")
    page.locator("[name=password1]").fill("a-long-and-unusual-passphrase-42")
    page.locator("[name=password2]").fill("a-long-and-unusual-passphrase-42")
    page.get_by_label("Company name").fill("NewCo Robotics")
    page.get_by_label("Workspace address").fill("newco")
    screenshot("signup")
    page.get_by_role("button", name=re.compile("Sign up", re.I)).click()

    expect(page.get_by_text(re.compile("verify", re.I)).first).to_be_visible()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    page.goto(link.group(0))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()

    expect(page).to_have_url(re.compile(r"/newco/$"))
    expect(page.get_by_role("heading", name="NewCo Robotics")).to_be_visible()
    screenshot("tenant-home-owner")
    tenant = Tenant.objects.get(slug="newco")
    assert Membership.objects.get(tenant=tenant).role == "owner"
