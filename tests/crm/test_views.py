"""Contact/company pages: role rights, wrong tenant (404, nothing changed), forms, htmx and
full-reload flows, bulk actions, saved views, trash, search, custom field admin."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.tenancy import tenant_context
from crm.models import (
    Activity,
    Company,
    Contact,
    ContactCompany,
    CustomFieldDefinition,
    SavedView,
    Tag,
)
from tests.factories_crm import ActivityFactory, CompanyFactory, ContactFactory, SavedViewFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
READ_ONLY = (Role.VIEWER, Role.SUPPORT_AGENT, Role.MARKETER)


@pytest.fixture
def world(tenant_a, tenant_b, owner_a, owner_b, in_tenant):
    """A few records in both tenants."""
    with in_tenant(tenant_a):
        acme = CompanyFactory(name="Acme")
        ada = ContactFactory(
            first_name="Ada", last_name="Lovelace", company=acme, owner=None, tags=["vip"]
        )
        call = ActivityFactory(
            contact=ada, kind=Activity.Kind.CALL, subject="Intro call", author=owner_a
        )
        task = ActivityFactory(
            contact=ada, kind=Activity.Kind.TASK, subject="Follow up", assignee=owner_a,
            due_at=timezone.now() + datetime.timedelta(days=1),
        )  # fmt: skip
        view = SavedViewFactory(user=owner_a, name="Mine", query="owner=me")
        trashed = ContactFactory(last_name="Trashed", deleted_at=timezone.now())
    with in_tenant(tenant_b):
        bravo_co = CompanyFactory(name="Bravo Co")
        bob = ContactFactory(first_name="Bob", company=bravo_co)
    return {
        "acme": acme, "ada": ada, "call": call, "task": task, "view": view, "trashed": trashed,
        "bravo_co": bravo_co, "bob": bob,
    }  # fmt: skip


def read_urls(url, tenant, w):
    return [
        url(tenant, "crm:contact_list"),
        url(tenant, "crm:contact_detail", w["ada"].pk),
        url(tenant, "crm:contact_timeline", w["ada"].pk),
        url(tenant, "crm:company_list"),
        url(tenant, "crm:company_detail", w["acme"].pk),
        url(tenant, "crm:company_timeline", w["acme"].pk),
        url(tenant, "crm:task_list"),
        url(tenant, "crm:trash"),
        url(tenant, "crm:search") + "?q=ada",
        url(tenant, "crm:company_autocomplete") + "?q=ac",
    ]


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads(role, tenant_a, members_a, world, login, url):
    client = login(members_a[role])
    for page in read_urls(url, tenant_a, world):
        assert client.get(page).status_code in (200, 302), page


def test_non_members_get_404(tenant_a, owner_b, world, login, url):
    client = login(owner_b)
    for page in read_urls(url, tenant_a, world):
        assert client.get(page).status_code == 404, page


def test_logged_out_users_go_to_login(tenant_a, world, client, url):
    response = client.get(url(tenant_a, "crm:contact_list"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- writing: rights -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_cannot_write(role, tenant_a, members_a, world, login, url, in_tenant):
    client = login(members_a[role])
    ada, acme = world["ada"], world["acme"]
    attempts = [
        ("get", url(tenant_a, "crm:contact_create"), {}),
        (
            "post",
            url(tenant_a, "crm:contact_create"),
            {"last_name": "New", "lifecycle_stage": "lead"},
        ),
        (
            "post",
            url(tenant_a, "crm:contact_edit", ada.pk),
            {"last_name": "Changed", "lifecycle_stage": "lead"},
        ),
        ("post", url(tenant_a, "crm:contact_delete", ada.pk), {}),
        (
            "post",
            url(tenant_a, "crm:contact_log_activity", ada.pk),
            {"activity-kind": "call", "activity-subject": "x"},
        ),
        ("post", url(tenant_a, "crm:company_create"), {"name": "New Co"}),
        ("post", url(tenant_a, "crm:company_delete", acme.pk), {}),
        ("post", url(tenant_a, "crm:contact_bulk"), {"action": "delete", "ids": [ada.pk]}),
        ("get", url(tenant_a, "crm:customfield_list"), {}),
    ]
    for method, target, data in attempts:
        response = getattr(client, method)(target, data)
        assert response.status_code == 403, (target, response.status_code)
    with in_tenant(tenant_a):
        ada.refresh_from_db()
        assert ada.last_name == "Lovelace" and ada.deleted_at is None
        assert (
            Contact.objects.filter(deleted_at__isnull=True).count() == 1
            and Company.objects.count() == 1
        )
        assert Activity.objects.count() == 2
        assert AuditEvent.objects.filter(action=AuditEvent.Action.PERMISSION_DENIED).exists()


def test_rep_edits_own_and_unowned_but_not_others(tenant_a, members_a, login, url, in_tenant):
    rep, manager = members_a[Role.SALES_REP], members_a[Role.MANAGER]
    with in_tenant(tenant_a):
        mine = ContactFactory(owner=rep, last_name="Mine")
        theirs = ContactFactory(owner=manager, last_name="Theirs")
    client = login(rep)
    assert client.get(url(tenant_a, "crm:contact_edit", mine.pk)).status_code == 200
    assert client.get(url(tenant_a, "crm:contact_edit", theirs.pk)).status_code == 403
    response = client.post(
        url(tenant_a, "crm:contact_edit", theirs.pk),
        {"last_name": "Hacked", "lifecycle_stage": "lead"},
    )
    assert response.status_code == 403
    # Detail pages show no edit buttons on others' records.
    page = client.get(url(tenant_a, "crm:contact_detail", theirs.pk)).content.decode()
    assert url(tenant_a, "crm:contact_edit", theirs.pk) not in page
    client = login(manager)
    response = client.post(
        url(tenant_a, "crm:contact_edit", mine.pk),
        {"last_name": "Managed", "lifecycle_stage": "lead", "owner": ""},
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert Contact.objects.get(pk=theirs.pk).last_name == "Theirs"
        mine.refresh_from_db()
        assert mine.last_name == "Managed" and mine.owner is None


# --- wrong tenant: another tenant's ids in my own tenant's URLs -------------------------------------------


def test_foreign_ids_answer_404_and_change_nothing(
    tenant_a, tenant_b, owner_b, world, login, url, in_tenant
):
    """Bravo's owner, in Bravo's own URLs, with Alpha's real ids."""
    client = login(owner_b)
    ada, acme, call, task, view, trashed = (
        world[k] for k in ("ada", "acme", "call", "task", "view", "trashed")
    )
    gets = [
        url(tenant_b, "crm:contact_detail", ada.pk),
        url(tenant_b, "crm:contact_edit", ada.pk),
        url(tenant_b, "crm:contact_delete", ada.pk),
        url(tenant_b, "crm:contact_timeline", ada.pk),
        url(tenant_b, "crm:company_detail", acme.pk),
        url(tenant_b, "crm:company_edit", acme.pk),
        url(tenant_b, "crm:company_timeline", acme.pk),
    ]
    for page in gets:
        assert client.get(page).status_code == 404, page
    posts = [
        (
            url(tenant_b, "crm:contact_edit", ada.pk),
            {"last_name": "Hacked", "lifecycle_stage": "lead"},
        ),
        (url(tenant_b, "crm:contact_delete", ada.pk), {}),
        (url(tenant_b, "crm:contact_restore", trashed.pk), {}),
        (
            url(tenant_b, "crm:contact_log_activity", ada.pk),
            {"activity-kind": "call", "activity-subject": "x"},
        ),
        (
            url(tenant_b, "crm:contact_add_task", ada.pk),
            {"task-subject": "x", "task-due_at": "2030-01-01T10:00"},
        ),
        (
            url(tenant_b, "crm:contact_link_add", ada.pk),
            {"company": f"Bravo Co (#{world['bravo_co'].pk})"},
        ),
        (url(tenant_b, "crm:company_edit", acme.pk), {"name": "Hacked"}),
        (url(tenant_b, "crm:company_delete", acme.pk), {}),
        (
            url(tenant_b, "crm:company_log_activity", acme.pk),
            {"activity-kind": "note", "activity-subject": "x"},
        ),
        (url(tenant_b, "crm:task_done", task.pk), {"done": "1"}),
        (url(tenant_b, "crm:activity_delete", call.pk), {}),
        (url(tenant_b, "crm:savedview_delete", view.pk), {}),
    ]
    for target, data in posts:
        assert client.post(target, data).status_code == 404, target
    # Ids in bodies: a link to Alpha's company, a bulk action on Alpha's contacts.
    bob = world["bob"]
    client.post(url(tenant_b, "crm:contact_link_add", bob.pk), {"company": f"Acme (#{acme.pk})"})
    client.post(url(tenant_b, "crm:contact_bulk"), {"action": "delete", "ids": [ada.pk, bob.pk]})
    client.post(url(tenant_b, "crm:contact_edit", bob.pk), {"first_name": "Bob", "company": f"Acme (#{acme.pk})", "lifecycle_stage": "lead"})  # fmt: skip
    with in_tenant(tenant_a):
        ada.refresh_from_db()
        assert (ada.last_name, ada.deleted_at) == ("Lovelace", None)
        assert Company.objects.get(pk=acme.pk).name == "Acme"
        assert (
            Activity.objects.count() == 2 and Activity.objects.get(pk=task.pk).completed_at is None
        )
        assert Contact.objects.get(pk=trashed.pk).deleted_at is not None
        assert SavedView.objects.filter(pk=view.pk).exists()
        assert not ContactCompany.objects.filter(company=acme).exclude(contact=ada).exists()
    with in_tenant(tenant_b):
        bob.refresh_from_db()
        assert bob.deleted_at is None and bob.company == world["bravo_co"]
        assert not ContactCompany.objects.exclude(company=world["bravo_co"]).exists()


# --- forms ------------------------------------------------------------------------------------------------


def test_create_contact_normalises_and_shows_errors(
    tenant_a, owner_a, world, login, url, in_tenant
):
    client = login(owner_a)
    response = client.post(
        url(tenant_a, "crm:contact_create"),
        {"first_name": "Grace", "phone": "030 1234567", "lifecycle_stage": "lead"},
    )
    assert response.status_code == 200
    assert "country code" in response.content.decode()
    response = client.post(
        url(tenant_a, "crm:contact_create"),
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "phone": "030 1234567",
            "country": "DE",
            "lifecycle_stage": "customer",
            "company": f"Acme (#{world['acme'].pk})",
            "tags": "navy, pioneer",
            "owner": str(owner_a.pk),
        },
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        grace = Contact.objects.get(last_name="Hopper")
        assert grace.phone == "+49301234567" and grace.company == world["acme"]
        assert set(grace.tag_links.values_list("tag__name", flat=True)) == {"navy", "pioneer"}
    assert response["Location"] == url(tenant_a, "crm:contact_detail", grace.pk)


def test_edit_form_round_trips(tenant_a, owner_a, world, login, url, in_tenant):
    client = login(owner_a)
    ada = world["ada"]
    form = client.get(url(tenant_a, "crm:contact_edit", ada.pk)).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["job_title"] = "Countess"
    assert client.post(url(tenant_a, "crm:contact_edit", ada.pk), data).status_code == 302
    with in_tenant(tenant_a):
        ada.refresh_from_db()
        assert ada.job_title == "Countess" and ada.company == world["acme"]
        assert list(ada.tag_links.values_list("tag__name", flat=True)) == ["vip"]


def test_company_crud_and_trash_restore(tenant_a, owner_a, login, url, in_tenant):
    client = login(owner_a)
    response = client.post(
        url(tenant_a, "crm:company_create"), {"name": "Globex", "domain": "www.GLOBEX.example"}
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        globex = Company.objects.get(name="Globex")
        assert globex.domain == "globex.example"
    assert client.post(url(tenant_a, "crm:company_delete", globex.pk)).status_code == 302
    assert client.get(url(tenant_a, "crm:company_detail", globex.pk)).status_code == 404
    trash = client.get(url(tenant_a, "crm:trash") + "?entity=company").content.decode()
    assert "Globex" in trash
    assert client.post(url(tenant_a, "crm:company_restore", globex.pk)).status_code == 302
    assert client.get(url(tenant_a, "crm:company_detail", globex.pk)).status_code == 200


# --- activity panel: htmx and full reload ----------------------------------------------------------------------


def test_log_activity_full_reload_and_htmx(tenant_a, owner_a, world, login, url, in_tenant):
    client = login(owner_a)
    ada = world["ada"]
    target = url(tenant_a, "crm:contact_log_activity", ada.pk)
    response = client.post(target, {"activity-kind": "meeting", "activity-subject": "Lunch"})
    assert response.status_code == 302 and response["Location"] == url(
        tenant_a, "crm:contact_detail", ada.pk
    )
    response = client.post(
        target, {"activity-kind": "note", "activity-subject": "Likes tea"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="activity-panel"' in html and "Likes tea" in html and "<html" not in html
    response = client.post(target, {"activity-kind": "note", "activity-subject": ""}, **HTMX)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(target, {"activity-kind": "note", "activity-subject": ""})
    assert response.status_code == 200 and "<html" in response.content.decode()
    with in_tenant(tenant_a):
        assert set(Activity.objects.filter(contact=ada).values_list("subject", flat=True)) >= {
            "Lunch",
            "Likes tea",
        }


def test_add_task_in_the_users_time_zone(tenant_a, make_member, world, login, url, in_tenant):
    rep = make_member(tenant_a, Role.MANAGER, time_zone="America/New_York")
    client = login(rep)
    ada = world["ada"]
    response = client.post(
        url(tenant_a, "crm:contact_add_task", ada.pk),
        {"task-subject": "Call back", "task-due_at": "2030-01-15T09:00", "task-assignee": str(rep.pk),
         "task-remind_at": "2030-01-15T08:30"},
    )  # fmt: skip
    assert response.status_code == 302
    with in_tenant(tenant_a):
        task = Activity.objects.get(subject="Call back")
    assert task.due_at == datetime.datetime(2030, 1, 15, 14, 0, tzinfo=datetime.UTC)
    assert task.remind_at == datetime.datetime(2030, 1, 15, 13, 30, tzinfo=datetime.UTC)
    assert task.assignee == rep
    page = client.get(url(tenant_a, "crm:task_list")).content.decode()
    assert "Call back" in page
    response = client.post(url(tenant_a, "crm:task_done", task.pk), {"done": "1"}, **HTMX)
    assert response.status_code == 200 and 'class="done"' in response.content.decode()


def test_cached_task_form_defaults_to_each_user(tenant_a, owner_a, make_member, world, login, url):
    """The unbound task form is a cached fragment; its key holds the user and the members."""
    rep = make_member(tenant_a, Role.MANAGER)
    detail = url(tenant_a, "crm:contact_detail", world["ada"].pk)

    def selected_assignee(user) -> str:  # type: ignore[no-untyped-def]
        html = login(user).get(detail).content.decode()
        return html.split('name="task-assignee"', 1)[1].split(" selected", 1)[0].rsplit('"', 2)[-2]

    assert selected_assignee(owner_a) == str(owner_a.pk)
    assert selected_assignee(rep) == str(rep.pk)
    assert selected_assignee(owner_a) == str(owner_a.pk)
    newcomer = make_member(tenant_a, Role.SALES_REP, first_name="Newcomer")
    assert "Newcomer" in login(owner_a).get(detail).content.decode()  # members changed: new key
    assert newcomer


def test_timeline_pages_through_views(tenant_a, owner_a, login, url, in_tenant):
    with in_tenant(tenant_a):
        contact = ContactFactory()
        now = timezone.now()
        for i in range(25):
            ActivityFactory(
                contact=contact,
                subject=f"Entry {i:02d}",
                occurred_at=now - datetime.timedelta(minutes=i),
            )
    client = login(owner_a)
    response = client.get(url(tenant_a, "crm:contact_detail", contact.pk))
    page = response.context["timeline"]
    assert [e.title for e in page.entries] == [f"Entry {i:02d}" for i in range(20)]
    assert page.next_cursor
    more = client.get(
        url(tenant_a, "crm:contact_timeline", contact.pk) + f"?cursor={page.next_cursor}", **HTMX
    )
    assert more.status_code == 200
    assert [e.title for e in more.context["timeline"].entries] == [
        f"Entry {i:02d}" for i in range(20, 25)
    ]
    # Without htmx the "older" link opens the detail page at that cursor.
    full = client.get(
        url(tenant_a, "crm:contact_detail", contact.pk) + f"?cursor={page.next_cursor}"
    )
    assert full.context["timeline"].entries[0].title == "Entry 20"


def test_company_page_rolls_up_its_contacts_timeline(tenant_a, owner_a, login, url, in_tenant):
    with in_tenant(tenant_a):
        acme = CompanyFactory()
        a, b = ContactFactory(company=acme), ContactFactory(company=acme)
        other = ContactFactory()
        ActivityFactory(contact=a, subject="A's call")
        ActivityFactory(contact=b, subject="B's meeting")
        ActivityFactory(contact=None, company=acme, subject="Company note")
        ActivityFactory(contact=a, company=acme, subject="Both")
        ActivityFactory(contact=other, subject="Unrelated")
    client = login(owner_a)
    titles = [
        e.title
        for e in client.get(url(tenant_a, "crm:company_detail", acme.pk))
        .context["timeline"]
        .entries
    ]
    assert sorted(titles) == sorted(["A's call", "B's meeting", "Company note", "Both"])


# --- bulk, saved views, search -------------------------------------------------------------------------------


def test_bulk_actions_via_the_list(tenant_a, tenant_b, owner_a, world, login, url, in_tenant):
    client = login(owner_a)
    with in_tenant(tenant_a):
        second = ContactFactory(last_name="Second")
    ids = [world["ada"].pk, second.pk]
    response = client.post(
        url(tenant_a, "crm:contact_bulk"), {"action": "tag", "tag": "Hot", "ids": ids}
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert Tag.objects.get(name="Hot").contact_links.count() == 2
    # A foreign id among them: rejected as a whole.
    response = client.post(
        url(tenant_a, "crm:contact_bulk"),
        {"action": "delete", "ids": [*ids, world["bob"].pk]},
        follow=True,
    )
    assert "do not exist" in response.content.decode()
    with in_tenant(tenant_a):
        assert Contact.objects.filter(pk__in=ids, deleted_at__isnull=True).count() == 2
    response = client.post(url(tenant_a, "crm:contact_bulk"), {"action": "delete", "ids": ids})
    with in_tenant(tenant_a):
        assert Contact.objects.filter(pk__in=ids, deleted_at__isnull=False).count() == 2
    with in_tenant(tenant_b):
        assert Contact.objects.get(pk=world["bob"].pk).deleted_at is None


def test_saved_views(tenant_a, owner_a, members_a, world, login, url, in_tenant):
    client = login(owner_a)
    response = client.post(
        url(tenant_a, "crm:savedview_create"),
        {"name": "VIPs", "entity": "contact", "query": "tag=1&sort=-updated"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?tag=1&sort=-updated")
    page = client.get(url(tenant_a, "crm:contact_list")).content.decode()
    assert "VIPs" in page
    # Someone else's view is not theirs to delete.
    other = login(members_a[Role.MANAGER])
    with in_tenant(tenant_a):
        vips = SavedView.objects.get(name="VIPs")
    assert other.post(url(tenant_a, "crm:savedview_delete", vips.pk)).status_code == 404
    assert "VIPs" not in other.get(url(tenant_a, "crm:contact_list")).content.decode()


def test_search_live_and_full(tenant_a, owner_a, world, login, url):
    client = login(owner_a)
    live = client.get(url(tenant_a, "crm:search") + "?q=lovel&live=1", **HTMX)
    html = live.content.decode()
    assert "Ada Lovelace" in html and "<html" not in html
    full = client.get(url(tenant_a, "crm:search") + "?q=acme").content.decode()
    assert "Acme" in full and "<html" in full
    assert (
        "Bob"
        not in client.get(url(tenant_a, "crm:search") + "?q=bob").content.decode().split("<main")[1]
    )


def test_list_filters_sort_and_live_rows(tenant_a, owner_a, world, login, url, in_tenant):
    client = login(owner_a)
    with in_tenant(tenant_a):
        ContactFactory(first_name="Zed", last_name="Zulu", country="FR")
    response = client.get(url(tenant_a, "crm:contact_list") + "?country=FR")
    assert [c.last_name for c in response.context["page"].rows] == ["Zulu"]
    response = client.get(url(tenant_a, "crm:contact_list") + "?sort=-name")
    assert [c.last_name for c in response.context["page"].rows] == ["Zulu", "Lovelace"]
    rows = client.get(
        url(tenant_a, "crm:contact_list") + "?q=zul&partial=rows", **HTMX
    ).content.decode()
    assert 'id="rows"' in rows and "Zulu" in rows and "Lovelace" not in rows and "<html" not in rows
    response = client.get(url(tenant_a, "crm:contact_list") + "?owner=bogus", follow=True)
    assert "ignored" in response.content.decode()


def test_list_pages_through_with_cursor_links(tenant_a, owner_a, login, url, in_tenant):
    with in_tenant(tenant_a):
        for i in range(55):
            ContactFactory(last_name=f"N{i:03d}")
    client = login(owner_a)
    first = client.get(url(tenant_a, "crm:contact_list"))
    assert len(first.context["page"].rows) == 50 and first.context["next_query"]
    second = client.get(url(tenant_a, "crm:contact_list") + "?" + first.context["next_query"])
    assert [c.last_name for c in second.context["page"].rows] == [
        f"N{i:03d}" for i in range(50, 55)
    ]
    assert second.context["prev_query"]


# --- custom fields admin ----------------------------------------------------------------------------------------


def test_custom_field_admin_and_use(tenant_a, owner_a, members_a, login, url, in_tenant):
    client = login(owner_a)
    response = client.post(
        url(tenant_a, "crm:customfield_create"),
        {"entity": "contact", "key": "tier", "label_en": "Tier", "label_de": "Stufe", "field_type": "choice",
         "choices": "gold | Gold | Gold\nsilver | Silver | Silber", "position": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    response = client.post(
        url(tenant_a, "crm:customfield_create"),
        {
            "entity": "contact",
            "key": "seats",
            "label_en": "Seats",
            "field_type": "number",
            "position": "1",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url(tenant_a, "crm:customfield_create"),
        {"entity": "contact", "key": "Bad Key", "label_en": "X", "field_type": "text"},
    )
    assert response.status_code == 200 and response.context["form"].errors["key"]
    form_page = client.get(url(tenant_a, "crm:contact_create")).content.decode()
    assert 'name="cf_tier"' in form_page and 'name="cf_seats"' in form_page
    response = client.post(
        url(tenant_a, "crm:contact_create"),
        {"last_name": "Custom", "lifecycle_stage": "lead", "cf_tier": "gold", "cf_seats": "lots"},
    )
    assert response.status_code == 200 and response.context["form"].errors["cf_seats"]
    response = client.post(
        url(tenant_a, "crm:contact_create"),
        {"last_name": "Custom", "lifecycle_stage": "lead", "cf_tier": "gold", "cf_seats": "12"},
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        contact = Contact.objects.get(last_name="Custom")
        assert contact.custom == {"tier": "gold", "seats": 12}
    detail = client.get(url(tenant_a, "crm:contact_detail", contact.pk)).content.decode()
    assert "Tier" in detail and "Gold" in detail
    listed = client.get(url(tenant_a, "crm:contact_list") + "?cf.tier=gold")
    assert [c.pk for c in listed.context["page"].rows] == [contact.pk]
    # German labels.
    with in_tenant(tenant_a):
        definition = CustomFieldDefinition.objects.get(key="tier")
        assert definition.label_de == "Stufe"
    # Managers may not define fields.
    assert (
        login(members_a[Role.MANAGER]).get(url(tenant_a, "crm:customfield_create")).status_code
        == 403
    )


def test_foreign_custom_field_definition_is_404(tenant_a, tenant_b, owner_b, login, url):
    with tenant_context(tenant_a):
        definition = CustomFieldDefinition.objects.create(
            entity="contact", key="x", label="X", field_type="text"
        )
    client = login(owner_b)
    assert client.get(url(tenant_b, "crm:customfield_edit", definition.pk)).status_code == 404
    assert client.post(url(tenant_b, "crm:customfield_delete", definition.pk)).status_code == 404
    with tenant_context(tenant_a):
        assert CustomFieldDefinition.objects.filter(pk=definition.pk).exists()
