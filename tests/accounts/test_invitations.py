"""Invitations: inviting, listing, revoking, resending and accepting — and every bad input."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Membership, Tenant, User
from accounts.roles import Role
from accounts.selectors import INVITATION_SESSION_KEY
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse
from tests.accounts.conftest import audit_actions
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

JOIN_RE = r"http://testserver/(?P<slug>[a-z0-9-]+)/join/(?P<token>[\w-]+)/"


def invite(client, tenant, email="new@example.test", role=Role.SALES_REP, capture=None):  # type: ignore[no-untyped-def]
    url = tenant_reverse("invitation_list", tenant)
    if capture is None:
        return client.post(url, {"email": email, "role": role})
    with capture(execute=True):
        return client.post(url, {"email": email, "role": role})


def invitations(tenant) -> list[Invitation]:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return list(Invitation.objects.order_by("pk"))


def token_from_outbox(index: int = -1) -> tuple[str, str]:
    match = re.search(JOIN_RE, mail.outbox[index].body)
    assert match, mail.outbox[index].body
    return match["slug"], match["token"]


@pytest.fixture
def invited(client, tenant_a, admin_a, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """An admin of tenant A invited new@example.test as a sales rep; returns the token."""
    client.force_login(admin_a)
    response = invite(client, tenant_a, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    client.logout()
    return token_from_outbox()[1]


# --- Inviting -----------------------------------------------------------------------------


def test_admin_invites_by_email_with_a_role(
    client, tenant_a, admin_a, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    response = invite(
        client, tenant_a, email="  New@Example.TEST ", role=Role.MANAGER,
        capture=django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert response.status_code == 302
    [invitation] = invitations(tenant_a)
    assert invitation.email == "new@example.test"
    assert invitation.role == Role.MANAGER
    assert invitation.invited_by == admin_a
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    # The mail went out (through the Celery task, after commit) with a link into tenant A.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.test"]
    assert "Alpha GmbH" in message.subject
    slug, token = token_from_outbox()
    assert slug == "alpha"
    # Only the token's SHA-256 is stored.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    [event] = audit_actions(tenant_a, AuditEvent.Action.INVITATION_SENT)
    assert event.actor == admin_a and event.target == "new@example.test"


def test_the_mail_is_sent_only_after_commit(client, tenant_a, admin_a):
    client.force_login(admin_a)
    invite(client, tenant_a)  # on_commit callbacks are not run inside the test transaction
    assert len(invitations(tenant_a)) == 1
    assert mail.outbox == []


def test_invitation_page_lists_pending_invitations_with_constant_queries(
    client, tenant_a, admin_a, django_assert_max_num_queries
):
    now = timezone.now()
    with tenant_context(tenant_a):
        for i in range(15):
            Invitation.objects.create(
                email=f"p{i}@example.test", role=Role.VIEWER, token_hash=f"h{i}",
                invited_by=admin_a, expires_at=now + timedelta(days=3),
            )  # fmt: skip
        Invitation.objects.create(
            email="old@example.test", token_hash="old", expires_at=now - timedelta(days=1)
        )
        Invitation.objects.create(
            email="gone@example.test", token_hash="gone", expires_at=now + timedelta(days=1),
            revoked_at=now,
        )  # fmt: skip
    client.force_login(admin_a)
    with django_assert_max_num_queries(12):
        response = client.get(tenant_reverse("invitation_list", tenant_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<tr id="invitation-') == 15
    assert "old@example.test" not in body and "gone@example.test" not in body
    assert 'name="email"' in body and 'name="role"' in body


def test_admin_cannot_invite_an_owner_but_an_owner_can(
    client, tenant_a, admin_a, owner_a, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    response = invite(client, tenant_a, role=Role.OWNER, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert invitations(tenant_a) == []
    assert mail.outbox == []
    client.force_login(owner_a)
    response = invite(client, tenant_a, role=Role.OWNER, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert [i.role for i in invitations(tenant_a)] == [Role.OWNER]


@pytest.mark.parametrize(
    "email, message",
    [
        ("not-an-email", "Enter a valid email address."),
        ("", "This field is required."),
        ("admin@alpha.test", "already a member"),
    ],
)
def test_bad_invitation_input_shows_a_field_error_and_writes_nothing(
    client, tenant_a, admin_a, email, message
):
    client.force_login(admin_a)
    response = invite(client, tenant_a, email=email)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert invitations(tenant_a) == []
    assert audit_actions(tenant_a, AuditEvent.Action.INVITATION_SENT) == []


def test_inviting_an_address_with_a_pending_invitation_is_refused(client, tenant_a, admin_a):
    client.force_login(admin_a)
    assert invite(client, tenant_a).status_code == 302
    response = invite(client, tenant_a, email="NEW@example.test")
    assert response.status_code == 400
    assert "already has a pending invitation" in response.content.decode()
    assert len(invitations(tenant_a)) == 1


def test_an_unknown_role_is_refused(client, tenant_a, admin_a):
    client.force_login(admin_a)
    response = invite(client, tenant_a, role="superuser")
    assert response.status_code == 400
    assert invitations(tenant_a) == []


def test_a_member_of_another_tenant_with_the_same_email_can_be_invited(
    client, tenant_a, admin_a, owner_b, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    response = invite(
        client, tenant_a, email="owner@bravo.test", capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert [i.email for i in invitations(tenant_a)] == ["owner@bravo.test"]


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.MANAGER, Role.VIEWER, Role.MARKETER])
def test_roles_without_manage_members_get_403_and_are_audited(client, tenant_a, make_member, role):
    user = make_member(tenant_a, role)
    client.force_login(user)
    assert client.get(tenant_reverse("invitation_list", tenant_a)).status_code == 403
    assert invite(client, tenant_a).status_code == 403
    assert invitations(tenant_a) == []
    denied = audit_actions(tenant_a, AuditEvent.Action.PERMISSION_DENIED)
    assert len(denied) == 2 and all(e.actor == user for e in denied)


def test_member_of_another_tenant_gets_404(client, tenant_a, owner_b):
    client.force_login(owner_b)
    assert client.get(tenant_reverse("invitation_list", tenant_a)).status_code == 404
    assert invite(client, tenant_a).status_code == 404
    assert invitations(tenant_a) == []


def test_anonymous_is_sent_to_login(client, tenant_a):
    response = client.get(tenant_reverse("invitation_list", tenant_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Revoking and resending -----------------------------------------------------------------


def test_admin_revokes_an_invitation_and_the_link_stops_working(client, tenant_a, admin_a, invited):
    [invitation] = invitations(tenant_a)
    client.force_login(admin_a)
    response = client.post(tenant_reverse("invitation_revoke", tenant_a, pk=invitation.pk))
    assert response.status_code == 302
    [invitation] = invitations(tenant_a)
    assert invitation.revoked_at is not None
    assert audit_actions(tenant_a, AuditEvent.Action.INVITATION_REVOKED)
    page = client.get(tenant_reverse("invitation_list", tenant_a))
    assert 'data-email="new@example.test"' not in page.content.decode()
    # The invitee cannot use it any more.
    invitee = UserFactory(email="new@example.test")
    client.force_login(invitee)
    response = client.post(tenant_reverse("invitation_accept", tenant_a, token=invited))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert not Membership.objects.filter(user=invitee).exists()


def test_revoke_needs_post(client, tenant_a, admin_a, invited):
    [invitation] = invitations(tenant_a)
    client.force_login(admin_a)
    response = client.get(tenant_reverse("invitation_revoke", tenant_a, pk=invitation.pk))
    assert response.status_code == 405
    assert invitations(tenant_a)[0].revoked_at is None


def test_resend_issues_a_new_token_and_the_old_one_stops_working(
    client, tenant_a, admin_a, invited, django_capture_on_commit_callbacks
):
    [invitation] = invitations(tenant_a)
    old_hash = invitation.token_hash
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(tenant_reverse("invitation_resend", tenant_a, pk=invitation.pk))
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    _, new_token = token_from_outbox()
    assert new_token != invited
    [invitation] = invitations(tenant_a)
    assert invitation.token_hash != old_hash
    invitee = UserFactory(email="new@example.test")
    client.force_login(invitee)
    old = client.post(tenant_reverse("invitation_accept", tenant_a, token=invited))
    assert old.status_code == 404
    new = client.post(tenant_reverse("invitation_accept", tenant_a, token=new_token))
    assert new.status_code == 302
    assert Membership.objects.get(user=invitee, tenant=tenant_a).role == Role.SALES_REP


def test_admin_cannot_revoke_or_resend_an_owner_invitation(client, tenant_a, admin_a, owner_a):
    with tenant_context(tenant_a):
        invitation = Invitation.objects.create(
            email="boss@example.test", role=Role.OWNER, token_hash="x",
            expires_at=timezone.now() + timedelta(days=1),
        )  # fmt: skip
    client.force_login(admin_a)
    client.post(tenant_reverse("invitation_revoke", tenant_a, pk=invitation.pk))
    client.post(tenant_reverse("invitation_resend", tenant_a, pk=invitation.pk))
    [invitation] = invitations(tenant_a)
    assert invitation.revoked_at is None and invitation.token_hash == "x"
    assert mail.outbox == []


def test_revoke_and_resend_wrong_role_get_403(client, tenant_a, rep_a, invited):
    [invitation] = invitations(tenant_a)
    client.force_login(rep_a)
    for name in ("invitation_revoke", "invitation_resend"):
        response = client.post(tenant_reverse(name, tenant_a, pk=invitation.pk))
        assert response.status_code == 403
    [after] = invitations(tenant_a)
    assert after.revoked_at is None and after.token_hash == invitation.token_hash
    assert len(audit_actions(tenant_a, AuditEvent.Action.PERMISSION_DENIED)) == 2


def test_revoke_and_resend_another_tenants_invitation_is_404(
    client, tenant_a, tenant_b, invited, owner_b
):
    """Tenant B's admin, with tenant A's real invitation id: under B's URL and under A's."""
    [invitation] = invitations(tenant_a)
    client.force_login(owner_b)
    for name in ("invitation_revoke", "invitation_resend"):
        for tenant in (tenant_a, tenant_b):
            response = client.post(tenant_reverse(name, tenant, pk=invitation.pk))
            assert response.status_code == 404
    [after] = invitations(tenant_a)
    assert after.revoked_at is None and after.token_hash == invitation.token_hash


# --- Accepting ------------------------------------------------------------------------------


def test_existing_user_with_the_verified_email_joins_with_the_role(client, tenant_a, invited):
    invitee = UserFactory(email="new@example.test")
    client.force_login(invitee)
    url = tenant_reverse("invitation_accept", tenant_a, token=invited)
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="accept-invitation"' in page.content.decode()
    assert not Membership.objects.filter(user=invitee).exists()  # a GET never joins
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == tenant_reverse("tenant_home", tenant_a)
    membership = Membership.objects.get(user=invitee)
    assert (membership.tenant, membership.role) == (tenant_a, Role.SALES_REP)
    [invitation] = invitations(tenant_a)
    assert invitation.accepted_by == invitee and invitation.accepted_at is not None
    [joined] = audit_actions(tenant_a, AuditEvent.Action.MEMBER_JOINED)
    assert joined.actor == invitee


def test_a_used_token_cannot_be_used_again(client, tenant_a, invited):
    invitee = UserFactory(email="new@example.test")
    client.force_login(invitee)
    url = tenant_reverse("invitation_accept", tenant_a, token=invited)
    assert client.post(url).status_code == 302
    Membership.objects.filter(user=invitee).delete()  # removed since; the link stays used
    response = client.post(url)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert not Membership.objects.filter(user=invitee).exists()


def test_an_expired_token_is_refused(client, tenant_a, invited):
    with tenant_context(tenant_a):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    invitee = UserFactory(email="new@example.test")
    client.force_login(invitee)
    response = client.post(tenant_reverse("invitation_accept", tenant_a, token=invited))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=invitee).exists()


def test_an_unknown_token_is_404(client, tenant_a, invited):
    invitee = UserFactory(email="new@example.test")
    client.force_login(invitee)
    response = client.post(tenant_reverse("invitation_accept", tenant_a, token="forged-token"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert not Membership.objects.filter(user=invitee).exists()


def test_email_mismatch_is_refused_with_a_clear_message(client, tenant_a, invited):
    other = UserFactory(email="someone-else@example.test")
    client.force_login(other)
    url = tenant_reverse("invitation_accept", tenant_a, token=invited)
    page = client.get(url)
    assert "was sent to new@example.test" in page.content.decode()
    assert 'id="accept-invitation"' not in page.content.decode()
    response = client.post(url)
    assert response.status_code == 403
    assert not Membership.objects.filter(user=other).exists()
    [invitation] = invitations(tenant_a)
    assert invitation.accepted_at is None


def test_an_unverified_matching_email_is_not_enough(client, tenant_a, invited):
    invitee = UserFactory(email="new@example.test", verified=False)
    EmailAddress.objects.create(user=invitee, email=invitee.email, verified=False, primary=True)
    client.force_login(invitee)
    response = client.post(tenant_reverse("invitation_accept", tenant_a, token=invited))
    assert response.status_code == 403
    assert not Membership.objects.filter(user=invitee).exists()


def test_an_existing_member_is_told_so_and_nothing_changes(
    client, tenant_a, make_member, django_capture_on_commit_callbacks, admin_a
):
    member = make_member(tenant_a, Role.VIEWER, email="member@example.test")
    # Invited before joining some other way; the invitation is still open.
    with tenant_context(tenant_a):
        from accounts.services import invitation_token_hash

        Invitation.objects.create(
            email="member@example.test", role=Role.MANAGER, token_hash=invitation_token_hash("t0k"),
            expires_at=timezone.now() + timedelta(days=1),
        )  # fmt: skip
    client.force_login(member)
    url = tenant_reverse("invitation_accept", tenant_a, token="t0k")
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 200
        assert "already a member" in response.content.decode()
    assert Membership.objects.get(user=member, tenant=tenant_a).role == Role.VIEWER
    assert invitations(tenant_a)[0].accepted_at is None


def test_a_token_never_joins_another_tenant(client, tenant_a, tenant_b, invited, owner_b):
    """Tenant A's token under tenant B's address is unknown there: 404, no membership."""
    invitee = UserFactory(email="new@example.test")
    client.force_login(invitee)
    response = client.post(tenant_reverse("invitation_accept", tenant_b, token=invited))
    assert response.status_code == 404
    assert not Membership.objects.filter(user=invitee).exists()
    assert invitations(tenant_a)[0].accepted_at is None


def test_join_page_of_an_unknown_workspace_is_404(client, invited):
    response = client.get("/no-such-tenant/join/" + invited + "/")
    assert response.status_code == 404


def test_anonymous_visitor_sees_signup_and_login_and_the_token_is_kept(client, tenant_a, invited):
    url = tenant_reverse("invitation_accept", tenant_a, token=invited)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="invitation-signup"' in body and 'id="invitation-login"' in body
    assert "email=new%40example.test" in body
    assert client.session[INVITATION_SESSION_KEY] == {"tenant_id": tenant_a.pk, "token": invited}
    # An anonymous POST joins no one.
    assert client.post(url).status_code == 200
    assert Membership.objects.filter(tenant=tenant_a).count() == 1  # the admin


def test_existing_account_logs_in_and_returns_to_the_invitation(client, tenant_a, invited):
    invitee = UserFactory(email="new@example.test")
    client.get(tenant_reverse("invitation_accept", tenant_a, token=invited))
    response = client.post("/accounts/login/", {"login": "new@example.test", "password": PASSWORD})
    assert response.status_code == 302
    join_url = tenant_reverse("invitation_accept", tenant_a, token=invited)
    assert response["Location"] == join_url
    assert client.post(join_url).status_code == 302
    assert Membership.objects.get(user=invitee).tenant == tenant_a
    assert INVITATION_SESSION_KEY not in client.session


def sign_up(client, email: str, **extra: str):  # type: ignore[no-untyped-def]
    data = {
        "email": email,
        "password1": "A-long-passphrase-42",
        "password2": "A-long-passphrase-42",
    }
    data.update(extra)
    return client.post("/accounts/signup/", data)


def confirm_email(client) -> object:  # type: ignore[no-untyped-def]
    match = re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return client.post(match.group(1))


def test_new_visitor_signs_up_through_the_invitation_without_creating_a_tenant(
    client, tenant_a, invited
):
    tenants_before = Tenant.objects.count()
    join_url = tenant_reverse("invitation_accept", tenant_a, token=invited)
    client.get(join_url)
    form = client.get("/accounts/signup/?email=new%40example.test")
    body = form.content.decode()
    assert 'name="workspace_name"' not in body  # no new workspace through an invitation
    assert 'value="new@example.test"' in body
    assert "Alpha GmbH" in body
    response = sign_up(client, "new@example.test", language="de")
    assert response.status_code == 302
    user = User.objects.get(email="new@example.test")
    assert Tenant.objects.count() == tenants_before
    assert not Membership.objects.filter(user=user).exists()
    # Verification is mandatory: not logged in yet, and accepting needs a verified address.
    assert not EmailAddress.objects.get(user=user).verified
    response = confirm_email(client)
    assert response.status_code == 302
    assert response["Location"] == join_url  # back to the invitation
    assert client.post(join_url).status_code == 302
    assert Membership.objects.get(user=user).tenant == tenant_a
    assert Tenant.objects.count() == tenants_before
    assert User.objects.get(pk=user.pk).language == "de"


def test_signup_through_an_invitation_must_use_the_invited_address(client, tenant_a, invited):
    client.get(tenant_reverse("invitation_accept", tenant_a, token=invited))
    response = sign_up(client, "other@example.test", language="en")
    assert response.status_code == 200
    assert "Your invitation was sent to new@example.test" in response.content.decode()
    assert not User.objects.filter(email="other@example.test").exists()


def test_workspace_fields_come_back_when_the_session_invitation_is_revoked(
    client, tenant_a, invited
):
    client.get(tenant_reverse("invitation_accept", tenant_a, token=invited))
    with tenant_context(tenant_a):
        Invitation.objects.update(revoked_at=timezone.now())
    body = client.get("/accounts/signup/").content.decode()
    assert 'name="workspace_name"' in body
