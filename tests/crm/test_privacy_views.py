"""Privacy pages: consent, export, erasure and the contact panel — right role, wrong role (403),
wrong tenant (404) and bad input, each time checking what changed."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, Membership
from accounts.roles import Role
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse
from crm.models import Consent, ConsentPurpose, Contact, LawfulBasis, Suppression
from crm.privacy.services import ERASED_NAME, consent_record, contact_erase
from tests.factories_crm import ContactFactory

pytestmark = pytest.mark.django_db

CONSENT_POST = {
    "purpose": ConsentPurpose.EMAIL_MARKETING,
    "decision": "granted",
    "lawful_basis": LawfulBasis.CONSENT,
    "source": "Trade fair",
    "proof": "Ticked the newsletter box",
}


def flashed(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ada(tenant_a):  # type: ignore[no-untyped-def]
    with tenant_context(tenant_a):
        return ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@example.test")


def url(name: str, tenant, contact) -> str:  # type: ignore[no-untyped-def]
    return tenant_reverse(f"crm_privacy:{name}", tenant, contact.pk)


def consent_count(tenant) -> int:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return Consent.objects.count()


# --- consent --------------------------------------------------------------------------------


def test_consent_page_shows_current_state_and_history_to_readers(tenant_a, make_member, ada):
    consent_record(
        tenant=tenant_a, contact_id=ada.pk, purpose=ConsentPurpose.PHONE, granted=True,
        lawful_basis=LawfulBasis.CONTRACT, source="Signed contract", proof="§ 4",
    )  # fmt: skip
    response = client_for(make_member(tenant_a, Role.VIEWER)).get(
        url("contact_consents", tenant_a, ada)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Signed contract" in body and 'id="consent-history"' in body
    assert 'id="consent-form"' not in body  # viewers may not record


@pytest.mark.parametrize(
    "role", [Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SALES_REP, Role.MARKETER]
)
def test_editors_and_marketers_record_consent(tenant_a, make_member, ada, role):
    user = make_member(tenant_a, role)
    client = client_for(user)
    assert (
        'id="consent-form"' in client.get(url("contact_consents", tenant_a, ada)).content.decode()
    )
    response = client.post(url("contact_consents", tenant_a, ada), CONSENT_POST)
    assert response.status_code == 302
    with tenant_context(tenant_a):
        consent = Consent.objects.get()
        assert consent.contact_id == ada.pk and consent.granted and consent.recorded_by == user
        assert consent.source == "Trade fair" and consent.proof == "Ticked the newsletter box"


def test_withdrawal_becomes_the_current_state(tenant_a, owner_a, ada):
    client = client_for(owner_a)
    client.post(url("contact_consents", tenant_a, ada), CONSENT_POST)
    client.post(
        url("contact_consents", tenant_a, ada),
        {**CONSENT_POST, "decision": "withdrawn", "source": ""},
    )
    with tenant_context(tenant_a):
        assert [c.granted for c in Consent.objects.order_by("-recorded_at", "-id")] == [False, True]
    body = client.get(url("contact_consents", tenant_a, ada)).content.decode()
    assert "consent-withdrawn" in body


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SUPPORT_AGENT])
def test_read_only_roles_cannot_record_consent(tenant_a, make_member, ada, role):
    response = client_for(make_member(tenant_a, role)).post(
        url("contact_consents", tenant_a, ada), CONSENT_POST
    )
    assert response.status_code == 403
    assert consent_count(tenant_a) == 0
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(action=AuditEvent.Action.PERMISSION_DENIED).count() == 1


def test_sales_rep_cannot_record_consent_on_a_colleagues_contact(tenant_a, make_member, owner_a):
    with tenant_context(tenant_a):
        owned = ContactFactory(owner=owner_a)
    response = client_for(make_member(tenant_a, Role.SALES_REP)).post(
        url("contact_consents", tenant_a, owned), CONSENT_POST
    )
    assert response.status_code == 403
    assert consent_count(tenant_a) == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"decision": ""},
        {"purpose": "telepathy"},
        {"lawful_basis": "because"},
        {"source": ""},  # granted on the basis of consent needs a source
        {"source": "x" * 201},
    ],
)
def test_bad_consent_input_shows_errors_and_writes_nothing(tenant_a, owner_a, ada, bad):
    response = client_for(owner_a).post(
        url("contact_consents", tenant_a, ada), {**CONSENT_POST, **bad}
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert consent_count(tenant_a) == 0


def test_no_consent_is_recorded_for_an_erased_contact(tenant_a, owner_a, ada):
    contact_erase(tenant=tenant_a, contact_id=ada.pk)
    client = client_for(owner_a)
    assert (
        'id="consent-form"'
        not in client.get(url("contact_consents", tenant_a, ada)).content.decode()
    )
    response = client.post(url("contact_consents", tenant_a, ada), CONSENT_POST, follow=True)
    assert "erased" in response.content.decode()
    assert consent_count(tenant_a) == 0


# --- export ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MARKETER])
def test_export_downloads_a_zip_and_is_audited(tenant_a, make_member, ada, role):
    user = make_member(tenant_a, role)
    client = client_for(user)
    page = client.get(url("contact_export", tenant_a, ada))
    assert page.status_code == 200 and 'id="export-form"' in page.content.decode()
    with tenant_context(tenant_a):
        assert not AuditEvent.objects.filter(
            action=AuditEvent.Action.EXPORT
        ).exists()  # GET only shows
    response = client.post(url("contact_export", tenant_a, ada))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="contact-{ada.pk}-' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert json.loads(archive.read("contact.json"))["email"] == "ada@example.test"
    with tenant_context(tenant_a):
        event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
        assert event.actor == user and event.target == f"contact:{ada.pk}"


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SUPPORT_AGENT, Role.VIEWER])
def test_export_is_refused_without_import_export(tenant_a, make_member, ada, role):
    client = client_for(make_member(tenant_a, role))
    assert client.get(url("contact_export", tenant_a, ada)).status_code == 403
    response = client.post(url("contact_export", tenant_a, ada))
    assert response.status_code == 403 and response.get("Content-Type") != "application/zip"
    with tenant_context(tenant_a):
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


# --- erasure --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_admins_erase_after_confirming(tenant_a, make_member, ada, role):
    client = client_for(make_member(tenant_a, role))
    confirm = client.get(url("contact_erase", tenant_a, ada))
    assert confirm.status_code == 200 and 'id="erase-form"' in confirm.content.decode()
    with tenant_context(tenant_a):
        assert Contact.objects.get(pk=ada.pk).erased_at is None  # GET changes nothing
    response = client.post(url("contact_erase", tenant_a, ada))
    assert response.status_code == 302
    assert "was erased" in flashed(response)
    with tenant_context(tenant_a):
        ada.refresh_from_db()
        assert ada.erased_at is not None and ada.full_name == ERASED_NAME and ada.email == ""
        assert Suppression.objects.count() == 1
        assert AuditEvent.objects.filter(action=AuditEvent.Action.ERASURE).count() == 1


def test_second_erasure_says_so_and_changes_nothing(tenant_a, owner_a, ada):
    client = client_for(owner_a)
    client.post(url("contact_erase", tenant_a, ada))
    with tenant_context(tenant_a):
        erased_at = Contact.objects.get(pk=ada.pk).erased_at
    confirm = client.get(url("contact_erase", tenant_a, ada)).content.decode()
    assert 'id="already-erased"' in confirm and 'id="erase-form"' not in confirm
    response = client.post(url("contact_erase", tenant_a, ada))
    assert response.status_code == 302
    assert "already erased; nothing was changed" in flashed(response)
    with tenant_context(tenant_a):
        assert Contact.objects.get(pk=ada.pk).erased_at == erased_at
        assert AuditEvent.objects.filter(action=AuditEvent.Action.ERASURE).count() == 1


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SALES_REP, Role.MARKETER, Role.VIEWER])
def test_only_admins_may_erase(tenant_a, make_member, ada, role):
    client = client_for(make_member(tenant_a, role))
    assert client.get(url("contact_erase", tenant_a, ada)).status_code == 403
    assert client.post(url("contact_erase", tenant_a, ada)).status_code == 403
    with tenant_context(tenant_a):
        ada.refresh_from_db()
        assert ada.erased_at is None and ada.first_name == "Ada"
        assert not Suppression.objects.exists()


# --- wrong tenant ---------------------------------------------------------------------------

VIEWS = ["contact_consents", "contact_export", "contact_erase", "contact_history"]


@pytest.mark.parametrize("name", VIEWS)
def test_other_tenants_get_404_and_change_nothing(tenant_a, tenant_b, owner_b, ada, name):
    client = client_for(owner_b)
    # A's address: B's owner is not a member of A.
    for method in ("get", "post"):
        assert getattr(client, method)(url(name, tenant_a, ada), CONSENT_POST).status_code == 404
    # B's own address with A's contact id (the read-only history page answers 405 to a POST).
    assert client.get(url(name, tenant_b, ada)).status_code == 404
    assert client.post(url(name, tenant_b, ada), CONSENT_POST).status_code in (404, 405)
    with tenant_context(tenant_a):
        ada.refresh_from_db()
        assert ada.erased_at is None and ada.first_name == "Ada"
        assert not Consent.objects.exists()
        assert not AuditEvent.objects.filter(
            action__in=[AuditEvent.Action.EXPORT, AuditEvent.Action.ERASURE]
        ).exists()
    with tenant_context(tenant_b):
        assert not Consent.objects.exists() and not Suppression.objects.exists()
        assert not AuditEvent.objects.filter(
            action__in=[AuditEvent.Action.EXPORT, AuditEvent.Action.ERASURE]
        ).exists()


def test_anonymous_users_are_sent_to_login(tenant_a, ada):
    response = Client().post(url("contact_erase", tenant_a, ada))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with tenant_context(tenant_a):
        assert Contact.objects.get(pk=ada.pk).erased_at is None


# --- the contact panel (included by the contact page) --------------------------------------


def render_panel(tenant, user, contact) -> str:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = user
    request.tenant = tenant
    request.membership = Membership.objects.get(tenant=tenant, user=user)
    with tenant_context(tenant):
        return render_to_string(
            "crm/privacy/_contact_panel.html", {"contact": contact}, request=request
        )


def test_panel_shows_current_consent_and_the_actions_the_role_may_take(tenant_a, make_member, ada):
    consent_record(
        tenant=tenant_a, contact_id=ada.pk, purpose=ConsentPurpose.EMAIL_MARKETING, granted=True,
        lawful_basis=LawfulBasis.CONSENT, source="Web form",
    )  # fmt: skip
    admin = render_panel(tenant_a, make_member(tenant_a, Role.ADMIN), ada)
    assert "consent-granted" in admin and "Web form" in admin
    assert 'id="privacy-export-link"' in admin and 'id="privacy-erase-link"' in admin
    viewer = render_panel(tenant_a, make_member(tenant_a, Role.VIEWER), ada)
    assert 'id="privacy-consents-link"' in viewer
    assert 'id="privacy-export-link"' not in viewer and 'id="privacy-erase-link"' not in viewer
    marketer = render_panel(tenant_a, make_member(tenant_a, Role.MARKETER), ada)
    assert 'id="privacy-export-link"' in marketer and 'id="privacy-erase-link"' not in marketer


def test_panel_uses_one_query_whatever_the_history(tenant_a, owner_a, ada):
    render_panel(tenant_a, owner_a, ada)
    with CaptureQueriesContext(connection) as few:
        render_panel(tenant_a, owner_a, ada)
    for purpose in ConsentPurpose.values:
        for granted in (True, False, True):
            consent_record(
                tenant=tenant_a, contact_id=ada.pk, purpose=purpose, granted=granted,
                lawful_basis=LawfulBasis.CONSENT, source="x", actor=owner_a,
            )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        html = render_panel(tenant_a, owner_a, ada)
    assert html.count("consent-granted") == len(ConsentPurpose.values)
    crm_queries = [q["sql"] for q in many.captured_queries if "crm_consent" in q["sql"]]
    assert len(crm_queries) == 1
    assert len(many) == len(few)
