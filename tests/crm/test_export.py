"""List exports: CSV (streamed) and XLSX, formula neutralising, filters, audit, tenancy."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse
from crm.exports import neutralise
from crm.models import Contact, CustomFieldType
from tests.factories_crm import CompanyFactory, ContactFactory, CustomFieldDefinitionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def manager_a(tenant_a, make_member):  # type: ignore[no-untyped-def]
    return make_member(tenant_a, Role.MANAGER, email="manager@alpha.test")


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+4930123", "'+4930123"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ada", "Ada"),
        ("a=b", "a=b"),
        ("", ""),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise(value, expected) -> None:  # type: ignore[no-untyped-def]
    assert neutralise(value) == expected


@pytest.fixture
def people(tenant_a, tenant_b):  # type: ignore[no-untyped-def]
    with tenant_context(tenant_a):
        CustomFieldDefinitionFactory(
            key="budget", label="Budget", field_type=CustomFieldType.NUMBER
        )
        acme = CompanyFactory(name='=HYPERLINK("http://evil")')
        ContactFactory(first_name="=cmd|' /C calc'!A0", last_name="Evil", email="evil@example.test",
                       phone="+4930901820", country="DE", company=acme, tags=["@vip"],
                       custom={"budget": 12})  # fmt: skip
        ContactFactory(
            first_name="Ada", last_name="Lovelace", email="ada@example.test", country="GB"
        )
        gone = ContactFactory(first_name="Deleted", last_name="Person", email="gone@example.test")
        Contact.objects.filter(pk=gone.pk).update(deleted_at=gone.created_at)
    with tenant_context(tenant_b):
        ContactFactory(first_name="Other", last_name="Tenant", email="other@example.test")


def test_csv_export_neutralises_filters_and_is_audited(tenant_a, manager_a, people) -> None:
    client = client_for(manager_a)
    url = tenant_reverse("crm_import:export_contacts", tenant_a)
    rows = csv_rows(client.get(url, {"format": "csv"}))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["ID", "First name", "Last name", "Email"]
    assert header[-1] == "Budget"
    by_email = {row[3]: row for row in body}
    assert set(by_email) == {"evil@example.test", "ada@example.test"}  # active, this tenant only
    evil = by_email["evil@example.test"]
    assert evil[1] == "'=cmd|' /C calc'!A0"
    assert evil[4] == "'+4930901820"
    assert evil[7] == '\'=HYPERLINK("http://evil")'
    assert evil[header.index("Tags")] == "'@vip"
    assert evil[-1] == "12"
    # Sorted by name, like the list.
    assert [row[2] for row in body] == ["Evil", "Lovelace"]

    filtered = csv_rows(client.get(url, {"format": "csv", "country": "GB"}))
    assert [row[3] for row in filtered[1:]] == ["ada@example.test"]

    with tenant_context(tenant_a):
        events = list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("id"))
    assert len(events) == 2
    assert events[0].actor == manager_a
    assert events[1].details["filters"] == {"country": "GB"}


def test_csv_export_walks_many_batches(tenant_a, manager_a, monkeypatch) -> None:
    monkeypatch.setattr("crm.exports.BATCH", 3)
    with tenant_context(tenant_a):
        for i in range(10):
            ContactFactory(last_name=f"Person {i:02d}", email=f"p{i}@example.test")
    client = client_for(manager_a)
    rows = csv_rows(
        client.get(tenant_reverse("crm_import:export_contacts", tenant_a), {"sort": "-name"})
    )
    assert [row[2] for row in rows[1:]] == [f"Person {i:02d}" for i in reversed(range(10))]


def test_xlsx_export(tenant_a, manager_a, people) -> None:
    client = client_for(manager_a)
    response = client.get(
        tenant_reverse("crm_import:export_contacts", tenant_a), {"format": "xlsx"}
    )
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    assert response["Content-Disposition"].startswith("attachment")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][3] == "Email"
    evil = next(row for row in values if row[3] == "evil@example.test")
    assert evil[1] == "'=cmd|' /C calc'!A0"
    assert all(not (isinstance(v, str) and v.startswith("=")) for row in values for v in row)
    # openpyxl would have written a formula for a cell starting with "=": none are formulas.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_export_is_capped(tenant_a, manager_a, people, settings) -> None:
    settings.EXPORT_XLSX_MAX_ROWS = 1
    client = client_for(manager_a)
    response = client.get(
        tenant_reverse("crm_import:export_contacts", tenant_a), {"format": "xlsx", "stage": "lead"}
    )
    assert response.status_code == 302
    assert response["Location"] == tenant_reverse("crm:contact_list", tenant_a) + "?stage=lead"
    assert "limited to 1 rows" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_company_export(tenant_a, manager_a, people) -> None:
    rows = csv_rows(
        client_for(manager_a).get(tenant_reverse("crm_import:export_companies", tenant_a))
    )
    assert rows[0][:3] == ["ID", "Name", "Domain"]
    assert [row[1] for row in rows[1:]] == ['\'=HYPERLINK("http://evil")']


def test_export_of_another_tenant_is_404(tenant_a, owner_b, people) -> None:
    response = client_for(owner_b).get(tenant_reverse("crm_import:export_contacts", tenant_a))
    assert response.status_code == 404


def test_exported_file_imports_back_without_changes(
    tenant_a, manager_a, people, django_capture_on_commit_callbacks
) -> None:
    from tests.crm.test_import import run_import

    client = client_for(manager_a)
    exported = b"".join(
        client.get(tenant_reverse("crm_import:export_contacts", tenant_a)).streaming_content
    )
    with tenant_context(tenant_a):
        before = sorted(Contact.objects.values_list("id", "first_name", "phone", "company_id"))
    job = run_import(client, tenant_a, exported, django_capture_on_commit_callbacks)
    mapped = set(job.mapping.values())
    assert {
        "email",
        "first_name",
        "last_name",
        "phone",
        "company",
        "tags",
        "custom:budget",
    } <= mapped
    assert (job.created_count, job.updated_count, job.rejected_count) == (0, 0, 0)
    assert job.unchanged_count == 2
    with tenant_context(tenant_a):
        after = sorted(Contact.objects.values_list("id", "first_name", "phone", "company_id"))
    assert after == before
