"""An admin invites a colleague who already works in another workspace; the colleague
accepts and switches between the two workspaces."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership
from accounts.roles import Role
from tests.browser.test_mfa_journey import log_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_invite_accept_and_switch_workspace(live_server, page: Page, screenshot) -> None:
    alpha = TenantFactory(slug="alpha-co", name="Alpha Co")
    bravo = TenantFactory(slug="bravo-co", name="Bravo Co")
    admin = UserFactory(email="admin@alpha-co.test")
    MembershipFactory(tenant=alpha, user=admin, role=Role.ADMIN)
    colleague = UserFactory(email="sam@bravo-co.test")
    MembershipFactory(tenant=bravo, user=colleague, role=Role.MANAGER)

    log_in(page, live_server.url, admin.email)
    page.locator("#admin-menu summary").click()
    page.locator("#nav-invitations").click()
    page.locator("#invite-form [name=email]").fill("not-an-address")
    page.locator("#send-invitation").click()
    expect(page.locator("#invite-form .errorlist").first).to_be_visible()
    page.locator("#invite-form [name=email]").fill(colleague.email)
    page.locator("#invite-form [name=role]").select_option(Role.SALES_REP)
    page.locator("#send-invitation").click()
    expect(page.locator(f"tr[data-email='{colleague.email}']")).to_be_visible()
    screenshot("invitations")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/alpha-co/join/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    page.context.clear_cookies()
    log_in(page, live_server.url, colleague.email)
    expect(page).to_have_url(re.compile(r"/bravo-co/$"))
    page.goto(link.group(0))
    page.locator("#accept-invitation").click()
    expect(page).to_have_url(re.compile(r"/alpha-co/$"))
    expect(page.get_by_role("heading", name="Alpha Co")).to_be_visible()
    assert Membership.objects.get(tenant=alpha, user=colleague).role == Role.SALES_REP

    # The link works once only.
    page.goto(link.group(0))
    expect(page.locator("#invitation-problem")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#workspace-switcher summary").click()
    page.locator("#workspace-switcher").get_by_role("link", name="Bravo Co").click()
    expect(page).to_have_url(re.compile(r"/bravo-co/$"))
    expect(page.get_by_role("heading", name="Bravo Co")).to_be_visible()
    screenshot("switched-workspace")
