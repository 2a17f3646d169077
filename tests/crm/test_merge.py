"""Merging duplicate contacts (issue 3, item 8): chosen fields, every related row moved (unique
constraints de-duplicated), history, audit; cross-tenant and self merges refused."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse
from crm.dedupe.services import MERGED, SURVIVOR, MergeError, contact_merge, contact_relations
from crm.models import (
    Activity,
    Consent,
    ConsentPurpose,
    Contact,
    ContactCompany,
    ContactTag,
    FieldChange,
    LawfulBasis,
    Tag,
)
from tests.factories_crm import ActivityFactory, CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(tenant_a):  # type: ignore[no-untyped-def]
    with tenant_context(tenant_a):
        acme, globex, initech = (CompanyFactory(name=n) for n in ("Acme", "Globex", "Initech"))
        vip, news, cold = (Tag.objects.create(name=n) for n in ("vip", "news", "cold"))
        keep = ContactFactory(
            first_name="Ada", last_name="Lovelace", email="ada@example.test", phone="",
            job_title="Analyst", company=acme, custom={"size": "S", "colour": "red"},
            tags=[vip, news],
        )  # fmt: skip
        dupe = ContactFactory(
            first_name="Ada", last_name="King", email="ADA@example.test", phone="+491701234567",
            job_title="Countess", company=globex, custom={"size": "M", "team": "B"},
            secondary_emails=["ada.king@example.test"], tags=[news, cold],
        )  # fmt: skip
        # Both are linked to Initech as well: the merge must not break contact_company_unique.
        ContactCompany.objects.create(contact=keep, company=initech, role="Advisor")
        ContactCompany.objects.create(contact=dupe, company=initech, role="Board")
        ActivityFactory.create_batch(2, contact=keep)
        ActivityFactory.create_batch(3, contact=dupe)
        Consent.objects.create(
            contact=dupe, purpose=ConsentPurpose.EMAIL_MARKETING, granted=True,
            lawful_basis=LawfulBasis.CONSENT,
        )  # fmt: skip
        earlier = ContactFactory(first_name="Ada", last_name="Old")
        Contact.objects.filter(pk=earlier.pk).update(merged_into=dupe)
    return {"keep": keep, "dupe": dupe, "acme": acme, "globex": globex, "initech": initech,
            "earlier": earlier}  # fmt: skip


def test_merge_takes_chosen_values_and_moves_every_related_row(tenant_a, owner_a, pair):
    keep, dupe = pair["keep"], pair["dupe"]
    result = contact_merge(
        tenant=tenant_a,
        survivor_id=keep.pk,
        merged_id=dupe.pk,
        choices={
            "last_name": MERGED,
            "job_title": SURVIVOR,
            "company": MERGED,
            "custom:size": MERGED,
        },
        actor=owner_a,
    )
    with tenant_context(tenant_a):
        keep.refresh_from_db()
        dupe.refresh_from_db()
        assert (keep.first_name, keep.last_name, keep.job_title) == ("Ada", "King", "Analyst")
        assert keep.phone == "+491701234567"  # empty on the survivor: filled by default
        assert keep.company_id == pair["globex"].pk
        assert keep.custom == {"size": "M", "colour": "red", "team": "B"}
        assert keep.email == "ada@example.test"
        assert keep.secondary_emails == ["ada.king@example.test"]  # the other casing is the same
        # Related rows moved.
        assert Activity.objects.filter(contact=keep).count() == 5
        assert not Activity.objects.filter(contact=dupe).exists()
        assert Consent.objects.filter(contact=keep).count() == 1
        links = {link.company_id: link for link in ContactCompany.objects.filter(contact=keep)}
        assert set(links) == {pair["acme"].pk, pair["globex"].pk, pair["initech"].pk}
        assert [cid for cid, link in links.items() if link.is_primary] == [pair["globex"].pk]
        assert links[pair["initech"].pk].role == "Advisor"  # the survivor's row won
        assert not ContactCompany.objects.filter(contact=dupe).exists()
        tags = set(ContactTag.objects.filter(contact=keep).values_list("tag__name", flat=True))
        assert tags == {"vip", "news", "cold"}
        assert not ContactTag.objects.filter(contact=dupe).exists()
        # A contact merged into the loser earlier now points at the survivor (flat chains).
        assert Contact.objects.get(pk=pair["earlier"].pk).merged_into_id == keep.pk
        # The loser is kept, marked and soft-deleted.
        assert dupe.merged_into_id == keep.pk and dupe.deleted_at is not None
        # History on both records.
        fields = set(
            FieldChange.objects.filter(
                object_id=keep.pk, source=FieldChange.Source.MERGE
            ).values_list("field", flat=True)
        )
        assert {
            "last_name",
            "company",
            "phone",
            "custom.size",
            "custom.team",
            "merged_contact",
        } <= fields
        assert "job_title" not in fields
        company_change = FieldChange.objects.get(object_id=keep.pk, field="company")
        assert "Acme" in company_change.old_value and "Globex" in company_change.new_value
        assert FieldChange.objects.filter(object_id=dupe.pk, field="merged_into").exists()
        # Audit.
        event = AuditEvent.objects.get(action=AuditEvent.Action.MERGE)
        assert event.actor == owner_a and event.target == f"contact:{keep.pk}"
        assert event.details["merged_id"] == dupe.pk
        assert event.details["moved"]["crm.Activity.contact"] == 3
        assert event.details["removed_duplicates"]["crm.ContactCompany.contact"] == 1
        assert event.details["removed_duplicates"]["crm.ContactTag.contact"] == 1
    assert result.moved["crm.Consent.contact"] == 1


def test_merge_discovers_every_foreign_key_to_contact():
    labels = {f"{model._meta.label}.{fk.name}" for model, fk in contact_relations()}
    assert {
        "crm.Activity.contact", "crm.Consent.contact", "crm.ContactCompany.contact",
        "crm.ContactTag.contact", "crm.Contact.merged_into",
    } <= labels  # fmt: skip


def test_merge_with_itself_is_refused(tenant_a, pair):
    with pytest.raises(MergeError, match="itself"):
        contact_merge(tenant=tenant_a, survivor_id=pair["keep"].pk, merged_id=pair["keep"].pk)


def test_merge_across_tenants_is_refused_by_the_service(tenant_a, tenant_b, pair):
    with tenant_context(tenant_b):
        stranger = ContactFactory(first_name="Stranger")
        ActivityFactory(contact=stranger)
    for survivor, merged in ((pair["keep"].pk, stranger.pk), (stranger.pk, pair["keep"].pk)):
        with pytest.raises(MergeError):
            contact_merge(tenant=tenant_a, survivor_id=survivor, merged_id=merged)
        with pytest.raises(MergeError):
            contact_merge(tenant=tenant_b, survivor_id=survivor, merged_id=merged)
    with tenant_context(tenant_b):
        stranger.refresh_from_db()
        assert stranger.merged_into_id is None and stranger.deleted_at is None
        assert Activity.objects.filter(contact=stranger).count() == 1
    with tenant_context(tenant_a):
        assert Activity.objects.filter(contact=pair["keep"]).count() == 2
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.MERGE).exists()


def test_merged_and_erased_contacts_cannot_be_merged_again(tenant_a, pair):
    from crm.privacy.services import contact_erase

    contact_merge(tenant=tenant_a, survivor_id=pair["keep"].pk, merged_id=pair["dupe"].pk)
    with pytest.raises(MergeError):
        contact_merge(tenant=tenant_a, survivor_id=pair["keep"].pk, merged_id=pair["dupe"].pk)
    with tenant_context(tenant_a):
        other = ContactFactory()
    contact_erase(tenant=tenant_a, contact_id=other.pk)
    with pytest.raises(MergeError, match="Erased"):
        contact_merge(tenant=tenant_a, survivor_id=pair["keep"].pk, merged_id=other.pk)


def test_merge_rejects_bad_choices(tenant_a, pair):
    with pytest.raises(MergeError):
        contact_merge(
            tenant=tenant_a, survivor_id=pair["keep"].pk, merged_id=pair["dupe"].pk,
            choices={"last_name": "both"},
        )  # fmt: skip
    with pytest.raises(MergeError):
        contact_merge(
            tenant=tenant_a, survivor_id=pair["keep"].pk, merged_id=pair["dupe"].pk,
            choices={"tenant": MERGED},
        )  # fmt: skip
    with tenant_context(tenant_a):
        assert Contact.objects.get(pk=pair["dupe"].pk).merged_into_id is None


# --- views ----------------------------------------------------------------------------------


def merge_url(tenant, a, b) -> str:  # type: ignore[no-untyped-def]
    return tenant_reverse("crm_dedupe:contact_merge", tenant, a.pk, b.pk)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_merge_screen_shows_both_contacts_and_merges_on_post(tenant_a, owner_a, pair):
    keep, dupe = pair["keep"], pair["dupe"]
    client = client_for(owner_a)
    response = client.get(merge_url(tenant_a, keep, dupe))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Lovelace" in body and "King" in body and 'name="pick_last_name"' in body
    assert 'name="pick_first_name"' not in body  # equal values need no choice
    response = client.post(
        merge_url(tenant_a, keep, dupe),
        {"keep": "b", "pick_last_name": "a", "pick_job_title": "b", "pick_company": "a",
         "pick_phone": "b", "pick_email": "a", "pick_custom:size": "a", "pick_custom:colour": "a",
         "pick_custom:team": "b", "pick_secondary_emails": "a"},
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(tenant_a):
        dupe.refresh_from_db()
        keep.refresh_from_db()
        # "keep": "b" — the right-hand contact survives with the left's last name and company.
        assert keep.merged_into_id == dupe.pk and keep.deleted_at is not None
        assert dupe.last_name == "Lovelace" and dupe.company_id == pair["acme"].pk
        assert dupe.job_title == "Countess" and dupe.email == "ada@example.test"
        assert dupe.custom == {"size": "S", "colour": "red", "team": "B"}
        assert Activity.objects.filter(contact=dupe).count() == 5


def test_merge_screen_refuses_self_merge_with_a_message(tenant_a, owner_a, pair):
    response = client_for(owner_a).post(
        merge_url(tenant_a, pair["keep"], pair["keep"]), {"keep": "a"}
    )
    assert response.status_code == 400
    assert "cannot be merged with itself" in response.content.decode()
    with tenant_context(tenant_a):
        assert Contact.objects.get(pk=pair["keep"].pk).deleted_at is None


def test_merge_screen_with_invalid_choice_shows_errors_and_changes_nothing(tenant_a, owner_a, pair):
    response = client_for(owner_a).post(
        merge_url(tenant_a, pair["keep"], pair["dupe"]), {"keep": "c", "pick_last_name": "z"}
    )
    assert response.status_code == 400
    with tenant_context(tenant_a):
        assert Contact.objects.get(pk=pair["dupe"].pk).merged_into_id is None


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.MARKETER, Role.VIEWER, Role.SUPPORT_AGENT])
def test_merge_needs_edit_all_records(tenant_a, make_member, pair, role):
    client = client_for(make_member(tenant_a, role))
    url = merge_url(tenant_a, pair["keep"], pair["dupe"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"keep": "a"}).status_code == 403
    with tenant_context(tenant_a):
        assert Contact.objects.get(pk=pair["dupe"].pk).merged_into_id is None
        assert AuditEvent.objects.filter(action=AuditEvent.Action.PERMISSION_DENIED).count() == 2


def test_manager_may_merge(tenant_a, make_member, pair):
    client = client_for(make_member(tenant_a, Role.MANAGER))
    response = client.post(merge_url(tenant_a, pair["keep"], pair["dupe"]), {"keep": "a"})
    assert response.status_code == 302
    with tenant_context(tenant_a):
        assert Contact.objects.get(pk=pair["dupe"].pk).merged_into_id == pair["keep"].pk


def test_merge_with_another_tenants_contact_answers_404_and_changes_nothing(
    tenant_a, tenant_b, owner_a, owner_b, pair
):
    with tenant_context(tenant_b):
        stranger = ContactFactory()
    # A's owner, A's address, one id from B.
    client = client_for(owner_a)
    for url in (
        merge_url(tenant_a, pair["keep"], stranger),
        merge_url(tenant_a, stranger, pair["keep"]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"keep": "a"}).status_code == 404
    # B's owner on A's address: not a member → 404.
    assert (
        client_for(owner_b)
        .post(merge_url(tenant_a, pair["keep"], pair["dupe"]), {"keep": "a"})
        .status_code
        == 404
    )
    # B's owner on B's address with A's ids → 404.
    assert (
        client_for(owner_b)
        .post(merge_url(tenant_b, pair["keep"], pair["dupe"]), {"keep": "a"})
        .status_code
        == 404
    )
    with tenant_context(tenant_a):
        assert Contact.objects.get(pk=pair["dupe"].pk).merged_into_id is None
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.MERGE).exists()
    with tenant_context(tenant_b):
        stranger.refresh_from_db()
        assert stranger.merged_into_id is None
