"""Privacy services: consent history and current state, suppression, data-subject export and
erasure (issue 3, items 6 and 7)."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import zipfile

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.tenancy import tenant_context
from crm.history import record_changes
from crm.models import (
    Activity,
    Consent,
    ConsentPurpose,
    Contact,
    ContactCompany,
    ContactTag,
    FieldChange,
    LawfulBasis,
    Suppression,
)
from crm.privacy import services
from crm.privacy.registry import EXPORT_SECTIONS, register_export_section
from crm.privacy.selectors import consent_history, current_consents, has_consent
from tests.factories_crm import ActivityFactory, CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

MARKETING = ConsentPurpose.EMAIL_MARKETING


def record(tenant, contact, purpose=MARKETING, granted=True, when=None, **extra):  # type: ignore[no-untyped-def]
    consent = services.consent_record(
        tenant=tenant,
        contact_id=contact.pk,
        purpose=purpose,
        granted=granted,
        lawful_basis=extra.pop("lawful_basis", LawfulBasis.CONSENT),
        source=extra.pop("source", "web form"),
        proof=extra.pop("proof", "Yes, send me the newsletter."),
        **extra,
    )
    if when is not None:
        with tenant_context(tenant):
            Consent.objects.filter(pk=consent.pk).update(recorded_at=when)
    return consent


# --- consent --------------------------------------------------------------------------------


def test_consent_is_append_only_and_the_newest_row_per_purpose_is_current(tenant_a, owner_a):
    now = timezone.now()
    with tenant_context(tenant_a):
        ada = ContactFactory()
    record(tenant_a, ada, granted=True, when=now - datetime.timedelta(days=3), actor=owner_a)
    record(tenant_a, ada, granted=False, when=now - datetime.timedelta(days=1), source="phone")
    record(
        tenant_a,
        ada,
        purpose=ConsentPurpose.PHONE,
        granted=True,
        when=now - datetime.timedelta(days=2),
    )
    with tenant_context(tenant_a):
        current = current_consents(ada)
        assert set(current) == {MARKETING, ConsentPurpose.PHONE}
        assert current[MARKETING].granted is False
        assert current[MARKETING].source == "phone"
        assert current[ConsentPurpose.PHONE].granted is True
        history = list(consent_history(ada))
        assert [c.granted for c in history] == [False, True, True]
        assert [c.purpose for c in history] == [MARKETING, ConsentPurpose.PHONE, MARKETING]
        assert history[-1].recorded_by == owner_a
        assert Consent.objects.count() == 3


def test_has_consent_returns_ids_whose_current_decision_is_granted(tenant_a, tenant_b):
    now = timezone.now()
    with tenant_context(tenant_a):
        granted, withdrawn, never, erased = ContactFactory.create_batch(4)
    record(tenant_a, granted, granted=False, when=now - datetime.timedelta(days=2))
    record(tenant_a, granted, granted=True, when=now - datetime.timedelta(days=1))
    record(tenant_a, withdrawn, granted=True, when=now - datetime.timedelta(days=2))
    record(tenant_a, withdrawn, granted=False, when=now - datetime.timedelta(days=1))
    record(tenant_a, erased, granted=True)
    services.contact_erase(tenant=tenant_a, contact_id=erased.pk)
    ids = [granted.pk, withdrawn.pk, never.pk, erased.pk]
    assert has_consent(tenant=tenant_a, contact_ids=ids, purpose=MARKETING) == {granted.pk}
    assert has_consent(tenant=tenant_a, contact_ids=ids, purpose=ConsentPurpose.SMS) == set()
    assert has_consent(tenant=tenant_a, contact_ids=[], purpose=MARKETING) == set()
    with tenant_context(tenant_a):
        as_queryset = Contact.objects.values("id")
        assert has_consent(tenant=tenant_a, contact_ids=as_queryset, purpose=MARKETING) == {
            granted.pk
        }
    # Another tenant never sees these consents.
    assert has_consent(tenant=tenant_b, contact_ids=ids, purpose=MARKETING) == set()


def test_consent_for_another_tenants_contact_is_refused(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        bob = ContactFactory()
    with pytest.raises(Contact.DoesNotExist):
        record(tenant_a, bob)
    with tenant_context(tenant_b):
        assert not Consent.objects.exists()


def test_consent_rejects_unknown_purpose_and_basis_and_erased_contacts(tenant_a):
    with tenant_context(tenant_a):
        ada = ContactFactory()
    with pytest.raises(services.PrivacyError):
        record(tenant_a, ada, purpose="telepathy")
    with pytest.raises(services.PrivacyError):
        record(tenant_a, ada, lawful_basis="because")
    services.contact_erase(tenant=tenant_a, contact_id=ada.pk)
    with pytest.raises(services.PrivacyError):
        record(tenant_a, ada)
    with tenant_context(tenant_a):
        assert not Consent.objects.exists()


# --- suppression ----------------------------------------------------------------------------


def test_email_hash_is_sha256_of_the_stripped_lower_cased_address():
    expected = hashlib.sha256(b"ada@example.test").hexdigest()
    assert services.email_sha256("  Ada@Example.TEST ") == expected


def test_suppression_is_per_tenant_and_idempotent(tenant_a, tenant_b):
    assert (
        services.suppress_emails(tenant=tenant_a, emails=["Ada@example.test", "ada@example.test "])
        == 1
    )
    services.suppress_emails(tenant=tenant_a, emails=["ada@example.test", "", None])
    assert services.is_suppressed(tenant=tenant_a, email="ADA@example.test")
    assert not services.is_suppressed(tenant=tenant_a, email="bob@example.test")
    assert not services.is_suppressed(tenant=tenant_a, email="  ")
    assert not services.is_suppressed(tenant=tenant_b, email="ada@example.test")
    with tenant_context(tenant_a):
        assert Suppression.objects.count() == 1


# --- export ---------------------------------------------------------------------------------


def open_zip(result) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    return zipfile.ZipFile(io.BytesIO(result.content))


def test_export_zip_holds_everything_about_the_contact_and_nothing_of_others(
    tenant_a, tenant_b, owner_a
):
    with tenant_context(tenant_a):
        acme = CompanyFactory(name="Acme")
        ada = ContactFactory(
            first_name="Ada", last_name="Lovelace", email="ada@example.test", company=acme,
            custom={"shoe_size": "38"}, secondary_emails=["ada@private.test"], tags=["vip"],
        )  # fmt: skip
        ActivityFactory(contact=ada, subject='=HYPERLINK("http://x")', body="Talked about engines")
        ActivityFactory(contact=ada, kind=Activity.Kind.CALL, subject="Call back")
        other = ContactFactory(first_name="Other", email="other@example.test")
        ActivityFactory(contact=other, subject="Not about Ada")
    with tenant_context(tenant_b):
        stranger = ContactFactory(first_name="Stranger", email="stranger@bravo.test")
        ActivityFactory(contact=stranger, subject="Bravo secret")
    record(tenant_a, ada, proof="I agree to the newsletter")
    record_changes(instance=ada, changes={"job_title": ("", "Analyst")}, actor=owner_a)

    first = services.contact_export(tenant=tenant_a, contact_id=ada.pk, actor=owner_a)
    result = services.contact_export(tenant=tenant_a, contact_id=ada.pk, actor=owner_a)
    assert result.filename.startswith(f"contact-{ada.pk}-") and result.filename.endswith(".zip")
    archive = open_zip(result)
    names = set(archive.namelist())
    assert {
        "contact.json", "activities.json", "activities.csv", "consents.json", "consents.csv",
        "companies.json", "tags.json", "history.json", "exports.json", "manifest.json",
    } <= names  # fmt: skip
    contact = json.loads(archive.read("contact.json"))
    assert contact["first_name"] == "Ada"
    assert contact["email"] == "ada@example.test"
    assert contact["custom"] == {"shoe_size": "38"}
    assert contact["secondary_emails"] == ["ada@private.test"]
    assert contact["company_name"] == "Acme"
    activities = json.loads(archive.read("activities.json"))
    assert sorted(a["subject"] for a in activities) == sorted(
        ['=HYPERLINK("http://x")', "Call back"]
    )
    rows = list(csv.DictReader(io.StringIO(archive.read("activities.csv").decode("utf-8-sig"))))
    assert len(rows) == 2
    # Spreadsheet formulas are neutralised in CSV.
    assert '\'=HYPERLINK("http://x")' in {row["subject"] for row in rows}
    consents = json.loads(archive.read("consents.json"))
    assert consents[0]["proof"] == "I agree to the newsletter"
    assert json.loads(archive.read("companies.json"))[0]["company__name"] == "Acme"
    assert [t["tag__name"] for t in json.loads(archive.read("tags.json"))] == ["vip"]
    history = json.loads(archive.read("history.json"))
    assert [(h["field"], h["new_value"]) for h in history] == [("job_title", "Analyst")]
    exports = json.loads(archive.read("exports.json"))
    assert len(exports) == 2  # the earlier export and this one
    assert first.content != b""
    # Nothing of another contact or another tenant.
    blob = b"".join(archive.read(name) for name in names)
    for foreign in (
        b"Not about Ada",
        b"other@example.test",
        b"Bravo secret",
        b"stranger@bravo.test",
    ):
        assert foreign not in blob
    with tenant_context(tenant_a):
        events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)
        assert events.count() == 2
        assert {e.target for e in events} == {f"contact:{ada.pk}"}
        assert "Ada" not in json.dumps([e.details for e in events])


def test_export_of_another_tenants_contact_is_refused_and_not_audited(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        bob = ContactFactory()
    with pytest.raises(Contact.DoesNotExist):
        services.contact_export(tenant=tenant_a, contact_id=bob.pk)
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_export_sections_are_a_registry_later_apps_can_extend(tenant_a):
    with tenant_context(tenant_a):
        ada = ContactFactory()

    @register_export_section("test-extra")
    def extra(ctx):  # type: ignore[no-untyped-def]
        yield "extra.json", json.dumps({"ids": list(ctx.contact_ids)})

    try:
        archive = open_zip(services.contact_export(tenant=tenant_a, contact_id=ada.pk))
        assert json.loads(archive.read("extra.json")) == {"ids": [ada.pk]}
        assert "test-extra" in json.loads(archive.read("manifest.json"))["sections"]
    finally:
        EXPORT_SECTIONS.pop("test-extra")


def test_export_includes_contacts_merged_into_this_one(tenant_a):
    from crm.dedupe.services import contact_merge

    with tenant_context(tenant_a):
        keep = ContactFactory(email="ada@example.test")
        dupe = ContactFactory(email="ada.old@example.test", first_name="Adeline")
    contact_merge(tenant=tenant_a, survivor_id=keep.pk, merged_id=dupe.pk)
    archive = open_zip(services.contact_export(tenant=tenant_a, contact_id=keep.pk))
    merged = json.loads(archive.read("merged_contacts.json"))
    assert [m["id"] for m in merged] == [dupe.pk]
    assert merged[0]["first_name"] == "Adeline"


# --- erasure --------------------------------------------------------------------------------


def test_erasure_anonymises_in_place_keeps_counts_and_suppresses(tenant_a, tenant_b, owner_a):
    with tenant_context(tenant_a):
        acme = CompanyFactory()
        ada = ContactFactory(
            first_name="Ada", last_name="Lovelace", email="Ada@Example.test", phone="+491701234567",
            mobile="+491711234567", job_title="Analyst", street="1 Engine Way", city="London",
            postal_code="N1", custom={"shoe_size": "38"}, secondary_emails=["ada@private.test"],
            company=acme,
        )  # fmt: skip
        ContactCompany.objects.filter(contact=ada).update(role="Chief analyst")
        ActivityFactory(contact=ada, kind=Activity.Kind.CALL, subject="Engines", body="Long talk")
        ActivityFactory(contact=ada, kind=Activity.Kind.NOTE, subject="Note", body="Private note")
        bystander = ContactFactory(first_name="Bystander", email="by@example.test")
        ActivityFactory(contact=bystander, subject="Untouched", body="Untouched body")
    with tenant_context(tenant_b):
        twin = ContactFactory(first_name="Ada", email="ada@example.test")
    record(tenant_a, ada, proof="I agree")
    record_changes(instance=ada, changes={"job_title": ("Intern", "Analyst")}, actor=owner_a)

    result = services.contact_erase(tenant=tenant_a, contact_id=ada.pk, actor=owner_a)
    assert not result.already_erased
    assert result.suppressed == 2

    with tenant_context(tenant_a):
        ada.refresh_from_db()
        assert ada.full_name == services.ERASED_NAME
        assert str(ada) == services.ERASED_NAME
        assert ada.erased_at is not None
        for name in ("email", "phone", "mobile", "job_title", "street", "city", "postal_code"):
            assert getattr(ada, name) == "", name
        assert ada.custom == {} and ada.secondary_emails == []
        assert ada.company_id == acme.pk  # the aggregate link stays
        assert ContactCompany.objects.get(contact=ada).role == ""
        activities = Activity.objects.filter(contact=ada).order_by("kind")
        assert activities.count() == 2
        assert [(a.kind, a.subject, a.body) for a in activities] == [
            (Activity.Kind.CALL, "", ""),
            (Activity.Kind.NOTE, "", ""),
        ]
        assert all(a.occurred_at is not None for a in activities)
        assert Consent.objects.get(contact=ada).proof == ""
        assert Consent.objects.get(contact=ada).granted is True  # the decision row stays
        # History keeps *that* fields were erased, never their old values.
        changes = FieldChange.objects.filter(object_id=ada.pk)
        assert not changes.exclude(old_value="", new_value="").exists()
        erased_fields = set(
            changes.filter(source=FieldChange.Source.ERASURE).values_list("field", flat=True)
        )
        assert {
            "first_name",
            "last_name",
            "email",
            "phone",
            "custom",
            "secondary_emails",
        } <= erased_fields
        assert "ada@" not in json.dumps(list(changes.values("old_value", "new_value"))).lower()
        # Suppression rows for both addresses, hashed.
        assert set(Suppression.objects.values_list("email_sha256", flat=True)) == {
            services.email_sha256("ada@example.test"),
            services.email_sha256("ada@private.test"),
        }
        bystander.refresh_from_db()
        assert bystander.first_name == "Bystander"
        assert Activity.objects.get(contact=bystander).body == "Untouched body"
        event = AuditEvent.objects.get(action=AuditEvent.Action.ERASURE)
        assert event.target == f"contact:{ada.pk}" and event.actor == owner_a
        assert "ada" not in json.dumps(event.details).lower()
    assert services.is_suppressed(tenant=tenant_a, email="ada@example.test")
    assert not services.is_suppressed(tenant=tenant_b, email="ada@example.test")
    with tenant_context(tenant_b):
        twin.refresh_from_db()
        assert twin.first_name == "Ada" and twin.email == "ada@example.test"


def test_erasing_twice_changes_nothing_the_second_time(tenant_a):
    with tenant_context(tenant_a):
        ada = ContactFactory(email="ada@example.test")
    services.contact_erase(tenant=tenant_a, contact_id=ada.pk)
    with tenant_context(tenant_a):
        ada.refresh_from_db()
        first_erased_at = ada.erased_at
        counts = (
            FieldChange.objects.count(),
            Suppression.objects.count(),
            AuditEvent.objects.count(),
        )
    again = services.contact_erase(tenant=tenant_a, contact_id=ada.pk)
    assert again.already_erased
    with tenant_context(tenant_a):
        ada.refresh_from_db()
        assert ada.erased_at == first_erased_at
        assert (
            FieldChange.objects.count(),
            Suppression.objects.count(),
            AuditEvent.objects.count(),
        ) == counts


def test_erasure_also_erases_contacts_merged_into_it(tenant_a):
    from crm.dedupe.services import contact_merge

    with tenant_context(tenant_a):
        keep = ContactFactory(email="ada@example.test", first_name="Ada")
        dupe = ContactFactory(email="ada.old@example.test", first_name="Adeline")
    contact_merge(tenant=tenant_a, survivor_id=keep.pk, merged_id=dupe.pk)
    services.contact_erase(tenant=tenant_a, contact_id=keep.pk)
    with tenant_context(tenant_a):
        dupe.refresh_from_db()
        assert dupe.first_name == "" and dupe.email == "" and dupe.erased_at is not None
    assert services.is_suppressed(tenant=tenant_a, email="ada.old@example.test")


def test_erasure_of_another_tenants_contact_is_refused(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        bob = ContactFactory(first_name="Bob", email="bob@bravo.test")
    with pytest.raises(Contact.DoesNotExist):
        services.contact_erase(tenant=tenant_a, contact_id=bob.pk)
    with tenant_context(tenant_b):
        bob.refresh_from_db()
        assert bob.first_name == "Bob" and bob.erased_at is None
        assert not Suppression.objects.exists()


def test_contact_tags_survive_erasure(tenant_a):
    with tenant_context(tenant_a):
        ada = ContactFactory(tags=["vip"])
    services.contact_erase(tenant=tenant_a, contact_id=ada.pk)
    with tenant_context(tenant_a):
        assert ContactTag.objects.filter(contact=ada).count() == 1
