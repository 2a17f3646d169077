"""Contact/company services: validation and normalisation, rights, change tracking, tags,
links, soft delete and purge, bulk actions, custom fields, activities and reminders."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Role
from crm.models import Activity, Company, Contact, ContactCompany, ContactTag, CustomFieldType, Tag
from crm.services import records
from crm.services.activities import activity_log, task_create, task_set_done
from crm.services.companies import company_create, company_update, normalize_domain
from crm.services.contacts import (
    contact_bulk_action,
    contact_create,
    contact_link_company,
    contact_restore,
    contact_soft_delete,
    contact_unlink_company,
    contact_update,
)
from crm.services.custom_fields import (
    CustomFieldCleaner,
    apply_custom_values,
    clean_custom_values,
    custom_field_create,
    custom_field_update,
)
from crm.services.reminders import send_due_reminders
from crm.services.validation import (
    normalize_country,
    normalize_email,
    normalize_language,
    normalize_phone,
    normalize_time_zone,
)
from crm.tasks import dispatch_task_reminders, purge_deleted_records
from tests.factories_crm import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


# --- validators ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+49 30 1234567", None, "+49301234567"),
        ("0049 30 1234567", None, "+49301234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("(650) 253-0000", "US", "+16502530000"),
        ("+44 20 7946 0958", "DE", "+442079460958"),  # an explicit + wins over the region
        ("", None, ""),
    ],
)
def test_phone_e164(raw, region, expected):
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region"), [("030 1234567", None), ("+49 1", None), ("abc", "DE"), ("12", "US")]
)
def test_phone_rejected(raw, region):
    with pytest.raises(ValidationError):
        normalize_phone(raw, region)


def test_other_validators():
    assert normalize_country(" de ") == "DE"
    assert normalize_email("Ada@Example.COM") == "Ada@example.com"
    assert normalize_language("pt_br") == "pt-BR"
    assert normalize_time_zone("Europe/Berlin") == "Europe/Berlin"
    for func, bad in (
        (normalize_country, "XX"),
        (normalize_country, "Germany"),
        (normalize_email, "not-an-email"),
        (normalize_language, "klingonish"),
        (normalize_time_zone, "Mars/Olympus"),
    ):
        with pytest.raises(ValidationError):
            func(bad)
    assert normalize_domain("https://www.Example.com/path?q=1") == "example.com"
    with pytest.raises(ValidationError):
        normalize_domain("not a domain")


# --- contacts -------------------------------------------------------------------------------------


def test_contact_create_normalises_and_owns(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        acme = CompanyFactory(name="Acme")
        contact = contact_create(
            tenant=tenant_a,
            actor=owner_a,
            data={
                "first_name": "  Ada ",
                "last_name": "Lovelace",
                "email": "ADA@Example.com",
                "phone": "030 1234567",
                "country": "de",
                "preferred_language": "en_gb",
                "time_zone": "Europe/London",
                "company": acme.pk,
                "tags": "vip, VIP, newsletter",
                "secondary_emails": "a@b.example; c@d.example",
            },
        )
        contact.refresh_from_db()
        assert contact.first_name == "Ada"
        assert contact.phone == "+49301234567"
        assert contact.country == "DE"
        assert contact.preferred_language == "en-GB"
        assert contact.email == "ADA@example.com"
        assert contact.secondary_emails == ["a@b.example", "c@d.example"]
        assert contact.owner == owner_a and contact.created_by == owner_a
        assert contact.company == acme
        assert ContactCompany.objects.get(contact=contact).is_primary
        assert sorted(
            ContactTag.objects.filter(contact=contact).values_list("tag__name", flat=True)
        ) == [
            "newsletter",
            "vip",
        ]


def test_contact_create_reports_field_errors_and_writes_nothing(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        with pytest.raises(ValidationError) as info:
            contact_create(
                tenant=tenant_a,
                actor=owner_a,
                data={
                    "last_name": "X",
                    "email": "nope",
                    "phone": "030 1234567",  # no country → needs +
                    "country": "ZZ",
                    "time_zone": "Nowhere/City",
                    "preferred_language": "qqqq",
                    "lifecycle_stage": "emperor",
                    "company": 999999,
                },
            )
        errors = info.value.message_dict
        assert set(errors) == {
            "email",
            "phone",
            "country",
            "time_zone",
            "preferred_language",
            "lifecycle_stage",
            "company",
        }
        with pytest.raises(ValidationError) as info:
            contact_create(tenant=tenant_a, actor=owner_a, data={"tenant": 5, "first_name": "x"})
        assert "tenant" in info.value.message_dict
        with pytest.raises(ValidationError):
            contact_create(tenant=tenant_a, actor=owner_a, data={"job_title": "nobody"})
        assert not Contact.objects.exists()


def test_contact_cannot_use_another_tenants_company_or_owner(
    tenant_a, tenant_b, owner_a, owner_b, in_tenant
):
    with in_tenant(tenant_b):
        foreign = CompanyFactory()
    with in_tenant(tenant_a):
        with pytest.raises(ValidationError) as info:
            contact_create(
                tenant=tenant_a, actor=owner_a, data={"last_name": "X", "company": foreign.pk}
            )
        assert "company" in info.value.message_dict
        with pytest.raises(ValidationError) as info:
            contact_create(
                tenant=tenant_a, actor=owner_a, data={"last_name": "X", "owner": owner_b.pk}
            )
        assert "owner" in info.value.message_dict
        assert not Contact.objects.exists()


def test_rights(tenant_a, members_a, in_tenant):
    rep, other_rep = members_a[Role.SALES_REP], members_a[Role.MANAGER]
    with in_tenant(tenant_a):
        mine = ContactFactory(owner=rep)
        unowned = ContactFactory(owner=None)
        theirs = ContactFactory(owner=other_rep)
        # Reps edit their own and unowned records, not others'.
        contact_update(tenant=tenant_a, actor=rep, contact=mine, data={"job_title": "CEO"})
        contact_update(tenant=tenant_a, actor=rep, contact=unowned, data={"job_title": "CTO"})
        with pytest.raises(PermissionDenied):
            contact_update(tenant=tenant_a, actor=rep, contact=theirs, data={"job_title": "x"})
        # Reps may take a record but not hand it to someone else.
        contact_update(tenant=tenant_a, actor=rep, contact=unowned, data={"owner": rep.pk})
        with pytest.raises(ValidationError):
            contact_update(tenant=tenant_a, actor=rep, contact=mine, data={"owner": other_rep.pk})
        # Managers and admins edit and assign everything.
        for role in (Role.MANAGER, Role.ADMIN, Role.OWNER):
            contact_update(
                tenant=tenant_a,
                actor=members_a[role],
                contact=mine,
                data={"owner": members_a[role].pk},
            )
        # Read-only roles create and edit nothing.
        for role in (Role.VIEWER, Role.SUPPORT_AGENT, Role.MARKETER):
            with pytest.raises(PermissionDenied):
                contact_create(tenant=tenant_a, actor=members_a[role], data={"last_name": "X"})
            with pytest.raises(PermissionDenied):
                contact_update(
                    tenant=tenant_a, actor=members_a[role], contact=unowned, data={"job_title": "y"}
                )
            with pytest.raises(PermissionDenied):
                contact_soft_delete(tenant=tenant_a, actor=members_a[role], contact=unowned)


def test_update_returns_changes_and_records_history(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        acme, globex = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
        contact = ContactFactory(first_name="Ada", company=acme, country="DE", tags=["a"])
        with mock.patch("crm.history.record_changes") as recorder:
            changes = contact_update(
                tenant=tenant_a,
                actor=owner_a,
                contact=contact,
                data={
                    "first_name": "Augusta",
                    "phone": "030 555 1234",
                    "company": globex.pk,
                    "tags": "b",
                },
            )
        assert changes["first_name"] == ("Ada", "Augusta")
        assert changes["phone"] == ("", "+49305551234")
        assert changes["company"] == (acme, globex)
        assert changes["tags"] == (["a"], ["b"])
        recorder.assert_called_once()
        assert recorder.call_args.kwargs["changes"] == changes
        assert recorder.call_args.kwargs["actor"] == owner_a
        # The primary link follows the company; the old link stays as a secondary one.
        links = {
            link.company_id: link.is_primary
            for link in ContactCompany.objects.filter(contact=contact)
        }
        assert links == {acme.pk: False, globex.pk: True}
        # Nothing changed → nothing recorded.
        with mock.patch("crm.history.record_changes") as recorder:
            assert (
                contact_update(
                    tenant=tenant_a, actor=owner_a, contact=contact, data={"first_name": "Augusta"}
                )
                == {}
            )
        recorder.assert_not_called()


def test_company_links_with_roles(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        acme, globex = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
        contact = ContactFactory(company=None)
        link = contact_link_company(
            tenant=tenant_a, actor=owner_a, contact=contact, company=acme, role="CFO"
        )
        contact.refresh_from_db()
        assert contact.company == acme and link.is_primary and link.role == "CFO"
        second = contact_link_company(
            tenant=tenant_a, actor=owner_a, contact=contact, company=globex, role="Board"
        )
        contact.refresh_from_db()
        assert contact.company == acme and not second.is_primary
        contact_link_company(
            tenant=tenant_a, actor=owner_a, contact=contact, company=globex, make_primary=True
        )
        contact.refresh_from_db()
        assert contact.company == globex
        assert ContactCompany.objects.get(contact=contact, company=acme).is_primary is False
        contact_unlink_company(tenant=tenant_a, actor=owner_a, contact=contact, link_id=second.pk)
        contact.refresh_from_db()
        assert contact.company is None


def test_company_create_update(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        parent = CompanyFactory(name="Holding")
        company = company_create(
            tenant=tenant_a,
            actor=owner_a,
            data={
                "name": "Acme",
                "domain": "https://www.ACME.example/",
                "phone": "+1 650 253 0000",
                "parent": parent,
            },
        )
        assert company.domain == "acme.example" and company.phone == "+16502530000"
        assert company.parent == parent and company.owner == owner_a
        with pytest.raises(ValidationError) as info:
            company_update(
                tenant=tenant_a, actor=owner_a, company=parent, data={"parent": company.pk}
            )
        assert "parent" in info.value.message_dict  # a cycle
        with pytest.raises(ValidationError) as info:
            company_create(tenant=tenant_a, actor=owner_a, data={"name": ""})
        assert "name" in info.value.message_dict


# --- soft delete, trash, purge ------------------------------------------------------------------------


def test_soft_delete_restore_and_purge(tenant_a, tenant_b, owner_a, in_tenant):
    with in_tenant(tenant_a):
        recent, old = ContactFactory(), ContactFactory()
        contact_soft_delete(tenant=tenant_a, actor=owner_a, contact=recent)
        contact_soft_delete(tenant=tenant_a, actor=owner_a, contact=old)
        Contact.objects.filter(pk=old.pk).update(
            deleted_at=timezone.now() - datetime.timedelta(days=31)
        )
        old.refresh_from_db()
        with pytest.raises(ValidationError):
            contact_restore(tenant=tenant_a, actor=owner_a, contact=old)
        contact_restore(tenant=tenant_a, actor=owner_a, contact=recent)
        assert Contact.objects.get(pk=recent.pk).deleted_at is None
        old_company = CompanyFactory(deleted_at=timezone.now() - datetime.timedelta(days=40))
    with in_tenant(tenant_b):
        other_old = ContactFactory(deleted_at=timezone.now() - datetime.timedelta(days=40))
    assert purge_deleted_records() == 2  # both tenants had work (eager Celery runs the purges)
    with in_tenant(tenant_a):
        assert set(Contact.objects.values_list("pk", flat=True)) == {recent.pk}
        assert not Company.objects.filter(pk=old_company.pk).exists()
    with in_tenant(tenant_b):
        assert not Contact.objects.filter(pk=other_old.pk).exists()


# --- bulk ------------------------------------------------------------------------------------------------


def test_bulk_actions_and_foreign_ids(tenant_a, tenant_b, members_a, owner_a, in_tenant):
    rep = members_a[Role.SALES_REP]
    with in_tenant(tenant_b):
        foreign = ContactFactory()
    with in_tenant(tenant_a):
        a, b = ContactFactory(owner=rep), ContactFactory(owner=None)
        theirs = ContactFactory(owner=owner_a)
        with pytest.raises(ValidationError):
            contact_bulk_action(
                tenant=tenant_a, actor=owner_a, ids=[a.pk, foreign.pk], action="tag", tag_name="x"
            )
        assert not Tag.objects.exists()
        with pytest.raises(ValidationError):
            contact_bulk_action(tenant=tenant_a, actor=owner_a, ids=["1; drop"], action="delete")
        assert (
            contact_bulk_action(
                tenant=tenant_a, actor=rep, ids=[a.pk, b.pk], action="tag", tag_name="Hot"
            )
            == 2
        )
        assert ContactTag.objects.filter(tag__name="Hot").count() == 2
        with pytest.raises(PermissionDenied):
            contact_bulk_action(tenant=tenant_a, actor=rep, ids=[a.pk, theirs.pk], action="delete")
        assert Contact.objects.filter(deleted_at__isnull=False).count() == 0
        with pytest.raises(ValidationError):
            contact_bulk_action(
                tenant=tenant_a, actor=rep, ids=[a.pk], action="assign", owner=owner_a.pk
            )
        contact_bulk_action(
            tenant=tenant_a, actor=owner_a, ids=[a.pk, b.pk], action="assign", owner=rep.pk
        )
        assert set(Contact.objects.filter(owner=rep).values_list("pk", flat=True)) == {a.pk, b.pk}
        contact_bulk_action(tenant=tenant_a, actor=owner_a, ids=[a.pk, b.pk], action="delete")
        assert Contact.objects.filter(deleted_at__isnull=False).count() == 2
    with in_tenant(tenant_b):
        assert Contact.objects.get(pk=foreign.pk).deleted_at is None


# --- custom fields ---------------------------------------------------------------------------------------


@pytest.fixture
def fields_a(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        specs = [
            ("notes", CustomFieldType.TEXT, {}),
            ("seats", CustomFieldType.NUMBER, {"required": True}),
            ("renewal", CustomFieldType.DATE, {}),
            (
                "segment",
                CustomFieldType.CHOICE,
                {"choices": [{"value": "b2b", "label_en": "Business", "label_de": "Geschäft"}]},
            ),
            (
                "channels",
                CustomFieldType.MULTI_CHOICE,
                {
                    "choices": [
                        {"value": "web", "label_en": "Web"},
                        {"value": "fax", "label_en": "Fax"},
                    ]
                },
            ),
            ("budget", CustomFieldType.MONEY, {"currency": "EUR"}),
            ("active", CustomFieldType.BOOLEAN, {}),
            ("site", CustomFieldType.URL, {}),
        ]
        for key, kind, extra in specs:
            custom_field_create(
                tenant=tenant_a,
                actor=owner_a,
                data={
                    "entity": "contact",
                    "key": key,
                    "field_type": kind,
                    "label_en": key.title(),
                    **extra,
                },
            )


def test_clean_custom_values(tenant_a, in_tenant, fields_a):
    with in_tenant(tenant_a):
        values, errors = clean_custom_values(
            tenant_a,
            "contact",
            {
                "notes": " hi ",
                "seats": "1.234,5",
                "renewal": "31.12.2025",
                "segment": "Geschäft",
                "channels": "web; FAX",
                "budget": "12,5 EUR",
                "active": "ja",
                "site": "example.com/x",
            },
        )
        assert errors == {}
        assert values == {
            "notes": "hi",
            "seats": 1234.5,
            "renewal": "2025-12-31",
            "segment": "b2b",
            "channels": ["web", "fax"],
            "budget": {"amount": "12.50", "currency": "EUR"},
            "active": True,
            "site": "https://example.com/x",
        }
        values, errors = clean_custom_values(
            tenant_a,
            "contact",
            {
                "seats": "many",
                "renewal": "2025-13-01",
                "segment": "b2c",
                "budget": "5 USD",
                "active": "maybe",
                "site": "javascript:alert(1)",
                "unknown": "x",
            },
        )
        assert set(errors) == {"seats", "renewal", "segment", "budget", "active", "site", "unknown"}
        # Required fields: missing is an error for a form, not for a partial (import) update.
        _values, errors = clean_custom_values(tenant_a, "contact", {"notes": "x"})
        assert "seats" in errors
        values, errors = clean_custom_values(tenant_a, "contact", {"notes": ""}, partial=True)
        assert errors == {} and values == {"notes": None}
        assert apply_custom_values({"notes": "a", "seats": 1}, values) == {"seats": 1}
        cleaner = CustomFieldCleaner(tenant_a, "contact")
        assert cleaner.clean({"seats": "3"}, partial=True) == ({"seats": 3}, {})


def test_contact_custom_values_through_the_service(tenant_a, owner_a, in_tenant, fields_a):
    with in_tenant(tenant_a):
        with pytest.raises(ValidationError) as info:
            contact_create(
                tenant=tenant_a, actor=owner_a, data={"last_name": "X", "custom": {"seats": "x"}}
            )
        assert "custom.seats" in info.value.message_dict
        contact = contact_create(
            tenant=tenant_a,
            actor=owner_a,
            data={"last_name": "X", "custom": {"seats": "4", "segment": "b2b"}},
        )
        assert contact.custom == {"seats": 4, "segment": "b2b"}
        changes = contact_update(
            tenant=tenant_a,
            actor=owner_a,
            contact=contact,
            data={"custom": {"seats": "5", "segment": ""}},
        )
        assert changes == {"custom.seats": (4, 5), "custom.segment": ("b2b", None)}


def test_custom_field_admin_needs_manage_tenant(tenant_a, members_a, in_tenant):
    with in_tenant(tenant_a):
        for role in (Role.MANAGER, Role.SALES_REP, Role.VIEWER):
            with pytest.raises(PermissionDenied):
                custom_field_create(
                    tenant=tenant_a,
                    actor=members_a[role],
                    data={"entity": "contact", "key": "x", "field_type": "text", "label_en": "X"},
                )
        definition = custom_field_create(
            tenant=tenant_a,
            actor=members_a[Role.ADMIN],
            data={"entity": "company", "key": "tier", "field_type": "choice", "label_en": "Tier", "label_de": "Stufe",
                  "choices": [{"value": "gold", "label_en": "Gold", "label_de": "Gold"}]},
        )  # fmt: skip
        assert definition.label_de == "Stufe"
        with pytest.raises(ValidationError):
            custom_field_create(
                tenant=tenant_a,
                actor=members_a[Role.ADMIN],
                data={
                    "entity": "company",
                    "key": "tier",
                    "field_type": "text",
                    "label_en": "Again",
                },
            )
        custom_field_update(
            tenant=tenant_a,
            actor=members_a[Role.OWNER],
            definition=definition,
            data={"label_en": "Level", "choices": [{"value": "silver", "label_en": "Silver"}]},
        )
        definition.refresh_from_db()
        assert definition.label_en == "Level"
        assert [c.value for c in definition.choices.all()] == ["silver"]


# --- activities and reminders -------------------------------------------------------------------------------


def test_activities_and_tasks(tenant_a, tenant_b, members_a, in_tenant):
    rep, viewer = members_a[Role.SALES_REP], members_a[Role.VIEWER]
    with in_tenant(tenant_b):
        foreign = ContactFactory()
    with in_tenant(tenant_a):
        contact = ContactFactory(owner=rep)
        call = activity_log(
            tenant=tenant_a,
            actor=rep,
            data={"kind": "call", "subject": "Intro", "contact": contact},
        )
        assert call.author == rep and call.occurred_at
        with pytest.raises(ValidationError):
            activity_log(
                tenant=tenant_a,
                actor=rep,
                data={"kind": "task", "subject": "x", "contact": contact},
            )
        with pytest.raises(ValidationError):
            activity_log(
                tenant=tenant_a,
                actor=rep,
                data={"kind": "call", "subject": "x", "contact": foreign.pk},
            )
        with pytest.raises(PermissionDenied):
            activity_log(
                tenant=tenant_a,
                actor=viewer,
                data={"kind": "note", "subject": "x", "contact": contact},
            )
        due = timezone.now() + datetime.timedelta(days=1)
        with pytest.raises(ValidationError) as info:
            task_create(tenant=tenant_a, actor=rep, data={"subject": "", "contact": contact})
        assert {"subject", "due_at"} <= set(info.value.message_dict)
        with pytest.raises(ValidationError):
            task_create(tenant=tenant_a, actor=rep, data={"subject": "x", "due_at": due, "contact": contact,
                                                          "assignee": 999999})  # fmt: skip
        task = task_create(
            tenant=tenant_a,
            actor=rep,
            data={"subject": "Follow up", "due_at": due, "contact": contact},
        )
        assert task.assignee == rep and task.kind == Activity.Kind.TASK
        task_set_done(tenant=tenant_a, actor=rep, task=task)
        assert Activity.objects.get(pk=task.pk).completed_at is not None
        with pytest.raises(PermissionDenied):
            task_set_done(tenant=tenant_a, actor=viewer, task=task, done=False)


def test_reminders_are_sent_once_in_the_users_language_and_zone(
    tenant_a, tenant_b, make_member, in_tenant, settings
):
    settings.KONTOR_BASE_URL = "https://crm.example/"
    german = make_member(tenant_a, Role.SALES_REP, language="de", time_zone="America/New_York")
    other = make_member(tenant_b, Role.SALES_REP)
    now = timezone.now()
    due = datetime.datetime(2030, 1, 15, 17, 0, tzinfo=datetime.UTC)
    with in_tenant(tenant_a):
        contact = ContactFactory(first_name="Ada", last_name="Lovelace")
        task = Activity.objects.create(
            kind="task", subject="Anrufen", contact=contact, assignee=german, due_at=due,
            remind_at=now - datetime.timedelta(minutes=1),
        )  # fmt: skip
        Activity.objects.create(
            kind="task", subject="Later", contact=contact, assignee=german, due_at=due,
            remind_at=now + datetime.timedelta(hours=1),
        )  # fmt: skip
        Activity.objects.create(
            kind="task", subject="Done already", contact=contact, assignee=german, due_at=due,
            remind_at=now - datetime.timedelta(hours=1), completed_at=now,
        )  # fmt: skip
    with in_tenant(tenant_b):
        Activity.objects.create(
            kind="task", subject="Other tenant", contact=ContactFactory(), assignee=other, due_at=due,
            remind_at=now - datetime.timedelta(minutes=5),
        )  # fmt: skip
    assert dispatch_task_reminders() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([german.email, other.email])
    message = next(m for m in mail.outbox if m.to == [german.email])
    assert "Erinnerung" in message.subject and "Anrufen" in message.subject
    assert "12:00" in message.body  # 17:00 UTC in New York
    assert f"https://crm.example/{tenant_a.slug}/contacts/{contact.pk}/" in message.body
    with in_tenant(tenant_a):
        assert Activity.objects.get(pk=task.pk).reminder_sent_at is not None
    # Idempotent: a second run sends nothing.
    mail.outbox.clear()
    assert dispatch_task_reminders() == 0
    with in_tenant(tenant_a):
        assert send_due_reminders(tenant=tenant_a) == 0
    assert mail.outbox == []


def test_reminders_are_chunked(tenant_a, owner_a, in_tenant):
    with in_tenant(tenant_a):
        contact = ContactFactory()
        past = timezone.now() - datetime.timedelta(minutes=1)
        for i in range(5):
            Activity.objects.create(
                kind="task",
                subject=f"T{i}",
                contact=contact,
                assignee=owner_a,
                due_at=past,
                remind_at=past,
            )
        assert send_due_reminders(tenant=tenant_a, chunk=2) == 5
    assert len(mail.outbox) == 5


def test_tag_get_or_create_is_case_insensitive(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        a = records.tag_get_or_create(tenant=tenant_a, name="  VIP   customer ")
        b = records.tag_get_or_create(tenant=tenant_a, name="vip customer")
        assert a.pk == b.pk and a.name == "VIP customer"
        with pytest.raises(ValidationError):
            records.tag_get_or_create(tenant=tenant_a, name="   ")
