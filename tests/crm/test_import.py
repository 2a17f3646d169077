"""Contact imports end to end: upload → map → preview → job → report, through the views."""

from __future__ import annotations

import csv
import hashlib
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse
from crm.import_views import UPLOAD_SLACK, import_upload
from crm.imports import services
from crm.models import (
    ColumnMappingMemory,
    Company,
    Contact,
    ContactCompany,
    ContactTag,
    CustomFieldType,
    FieldChange,
    ImportJob,
    Suppression,
    Tag,
)
from tests.factories_crm import ContactFactory, CustomFieldDefinitionFactory

pytestmark = pytest.mark.django_db

HEADER = ["First name", "Last name", "E-Mail", "Telefon", "Firma", "Country", "Stage", "Tags"]
ROWS = [
    [
        "Ada",
        "Lovelace",
        "ada@example.test",
        "+44 20 7946 0958",
        "Analytical Ltd",
        "GB",
        "customer",
        "vip;math",
    ],
    ["Grace", "Hopper", "GRACE@example.test", "+1 650 253 0000", "Navy", "US", "lead", "vip"],
    ["Jürgen", "Müller", "jm@example.test", "030 901820", "Müller GmbH", "DE", "", ""],
    ["Bad", "Email", "not-an-email", "", "", "DE", "", ""],
    ["Bad", "Country", "bc@example.test", "", "", "Atlantis", "", ""],
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def admin_a(tenant_a, make_member):  # type: ignore[no-untyped-def]
    return make_member(tenant_a, Role.ADMIN, email="admin@alpha.test")


def refresh(obj) -> None:  # type: ignore[no-untyped-def]
    with tenant_context(obj.tenant_id):
        obj.refresh_from_db()


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client, tenant, data: bytes, name: str = "contacts.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        tenant_reverse("crm_import:import_upload", tenant),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def the_job(tenant) -> ImportJob:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return ImportJob.objects.latest("created_at")


def run_import(
    client, tenant, data: bytes, captured, *, mapping=None, match_key="email", keep="first"
):  # type: ignore[no-untyped-def]
    """Upload, map (the suggested mapping unless given), preview and run a file; returns the job."""
    response = upload(client, tenant, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = the_job(tenant)
    mapping = mapping if mapping is not None else job.mapping
    post = {f"col-{i}": target for i, target in mapping.items()}
    post.update({"match_key": match_key, "keep_duplicate": keep})
    response = client.post(tenant_reverse("crm_import:import_map", tenant, job.uuid), post)
    assert response.status_code == 302, response.content.decode()[:3000]
    response = client.get(tenant_reverse("crm_import:import_preview", tenant, job.uuid))
    assert response.status_code == 200
    with captured(execute=True):
        response = client.post(tenant_reverse("crm_import:import_preview", tenant, job.uuid))
    assert response.status_code == 302
    refresh(job)
    assert job.status == ImportJob.Status.DONE, job.error
    return job


def contacts(tenant) -> list[Contact]:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return list(Contact.objects.order_by("id").select_related("company"))


def rejects_of(client, tenant, job) -> list[list[str]]:  # type: ignore[no-untyped-def]
    response = client.get(tenant_reverse("crm_import:import_rejects", tenant, job.uuid))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- the whole flow ---------------------------------------------------------------------------


def test_import_flow_creates_contacts_and_reports_rejects(
    tenant_a, admin_a, django_capture_on_commit_callbacks
) -> None:
    client = client_for(admin_a)
    job = run_import(
        client, tenant_a, csv_bytes([HEADER, *ROWS]), django_capture_on_commit_callbacks
    )

    assert job.mapping == {
        "0": "first_name", "1": "last_name", "2": "email", "3": "phone", "4": "company",
        "5": "country", "6": "lifecycle_stage", "7": "tags",
    }  # fmt: skip
    assert (job.total_rows, job.created_count, job.updated_count, job.rejected_count) == (
        5,
        3,
        0,
        2,
    )
    assert job.processed_rows == 5
    assert job.stored_path == ""  # the upload is deleted after the job

    people = {c.email: c for c in contacts(tenant_a)}
    assert set(people) == {"ada@example.test", "GRACE@example.test", "jm@example.test"}
    ada = people["ada@example.test"]
    assert (ada.phone, ada.country, ada.lifecycle_stage) == ("+442079460958", "GB", "customer")
    assert ada.company.name == "Analytical Ltd"
    assert ada.owner_id == admin_a.pk and ada.created_by_id == admin_a.pk
    assert people["jm@example.test"].phone == "+4930901820"  # national number, country DE
    assert people["jm@example.test"].lifecycle_stage == "lead"  # the default
    with tenant_context(tenant_a):
        assert sorted(Tag.objects.values_list("name", flat=True)) == ["math", "vip"]
        assert ContactTag.objects.count() == 3
        assert ContactCompany.objects.filter(is_primary=True).count() == 3
        assert Company.objects.count() == 3

    rejected = rejects_of(client, tenant_a, job)
    assert rejected[0] == ["row", *HEADER, "reason"]
    assert [r[0] for r in rejected[1:]] == ["5", "6"]
    assert rejected[1][1:-1] == ROWS[3]
    assert "valid email" in rejected[1][-1]
    assert "ISO country" in rejected[2][-1]

    page = client.get(tenant_reverse("crm_import:import_detail", tenant_a, job.uuid))
    assert page.status_code == 200
    assert "Import finished" in page.content.decode()
    assert "rejected rows" in page.content.decode()


def test_reimport_is_idempotent_and_updates(
    tenant_a, admin_a, django_capture_on_commit_callbacks
) -> None:
    client = client_for(admin_a)
    data = csv_bytes([HEADER, *ROWS[:3]])
    run_import(client, tenant_a, data, django_capture_on_commit_callbacks)
    first_ids = [c.pk for c in contacts(tenant_a)]

    again = run_import(client, tenant_a, data, django_capture_on_commit_callbacks)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert [c.pk for c in contacts(tenant_a)] == first_ids

    changed = [row[:] for row in ROWS[:3]]
    changed[0][1] = "King"  # last name
    changed[1][2] = "grace@EXAMPLE.test"  # same address, other case: still a match
    changed[1][6] = ""  # an empty cell never overwrites
    changed[2][4] = "Neue Firma AG"
    third = run_import(
        client, tenant_a, csv_bytes([HEADER, *changed]), django_capture_on_commit_callbacks
    )
    assert (third.created_count, third.updated_count, third.unchanged_count) == (0, 3, 0)
    people = {c.pk: c for c in contacts(tenant_a)}
    assert list(people) == first_ids
    ada, grace, jm = (people[i] for i in first_ids)
    assert ada.last_name == "King"
    assert grace.lifecycle_stage == "lead" and grace.email == "grace@example.test"
    assert jm.company.name == "Neue Firma AG"
    with tenant_context(tenant_a):
        history = set(
            FieldChange.objects.filter(source=FieldChange.Source.IMPORT).values_list(
                "object_id", "field", "old_value", "new_value"
            )
        )
        assert (ada.pk, "last_name", "Lovelace", "King") in history
        assert any(f == "company" and "Neue Firma AG" in new for _i, f, _o, new in history)
        assert (
            ContactCompany.objects.get(contact=jm, is_primary=True).company.name == "Neue Firma AG"
        )
        assert ContactCompany.objects.filter(contact=jm).count() == 2
        assert Company.objects.filter(name="Müller GmbH").count() == 1
        assert ContactTag.objects.count() == 3  # tags are added once, never duplicated


def test_small_chunks_share_companies_and_tags_without_duplicates(
    tenant_a, admin_a, settings, django_capture_on_commit_callbacks
) -> None:
    """Company and tag names are resolved once per job and reused by later chunks: names in
    another case match, an existing company is reused, and a re-run adds nothing."""
    settings.IMPORT_CHUNK_ROWS = 2
    with tenant_context(tenant_a):
        existing = Company.objects.create(tenant=tenant_a, name="Old Works")
    client = client_for(admin_a)
    rows = [
        [f"P{i}", "Person", f"p{i}@example.test", "", company, "DE", "", tags]
        for i, (company, tags) in enumerate(
            [
                ("Acme", "vip;Blue"),
                ("ACME", "VIP"),
                ("old works", "blue"),
                ("Acme", ""),
                ("", "Vip;new one"),
            ]
        )
    ]
    data = csv_bytes([HEADER, *rows])
    job = run_import(client, tenant_a, data, django_capture_on_commit_callbacks)
    assert (job.created_count, job.rejected_count) == (5, 0)
    with tenant_context(tenant_a):
        assert sorted(Company.objects.values_list("name", flat=True)) == ["Acme", "Old Works"]
        acme = Company.objects.get(name="Acme")
        by_email = {c.email: c for c in Contact.objects.all()}
        assert [by_email[f"p{i}@example.test"].company_id for i in range(5)] == [
            acme.pk, acme.pk, existing.pk, acme.pk, None,
        ]  # fmt: skip
        assert sorted(Tag.objects.values_list("name", flat=True)) == ["Blue", "new one", "vip"]
        links = (ContactTag.objects.count(), ContactCompany.objects.count())
        assert links == (6, 4)

    again = run_import(client, tenant_a, data, django_capture_on_commit_callbacks)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 5)
    with tenant_context(tenant_a):
        assert Company.objects.count() == 2 and Tag.objects.count() == 3
        assert (ContactTag.objects.count(), ContactCompany.objects.count()) == links


def test_duplicates_in_file_keep_first_or_last(
    tenant_a, admin_a, django_capture_on_commit_callbacks
) -> None:
    client = client_for(admin_a)
    rows = [
        ["email", "first name"],
        ["dup@example.test", "First"],
        ["other@example.test", "Other"],
        ["DUP@example.test", "Last"],
    ]
    job = run_import(client, tenant_a, csv_bytes(rows), django_capture_on_commit_callbacks)
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert {c.first_name for c in contacts(tenant_a)} == {"First", "Other"}
    rejected = rejects_of(client, tenant_a, job)
    assert (
        rejected[1][0] == "4"
        and "Duplicate in file" in rejected[1][-1]
        and "row 2" in rejected[1][-1]
    )

    rows[1][1], rows[3][1] = "First again", "Last again"
    job = run_import(
        client, tenant_a, csv_bytes(rows), django_capture_on_commit_callbacks, keep="last"
    )
    assert (job.created_count, job.updated_count, job.rejected_count) == (0, 1, 1)
    assert {c.first_name for c in contacts(tenant_a)} == {"Last again", "Other"}
    assert rejects_of(client, tenant_a, job)[1][0] == "2"


def test_suppressed_addresses_are_rejected_and_the_rest_kept(
    tenant_a, tenant_b, admin_a, django_capture_on_commit_callbacks
) -> None:
    with tenant_context(tenant_a):
        Suppression.objects.create(email_sha256=hashlib.sha256(b"erased@example.test").hexdigest())
    with tenant_context(tenant_b):  # another tenant's suppression does not apply here
        Suppression.objects.create(email_sha256=hashlib.sha256(b"kept@example.test").hexdigest())
    client = client_for(admin_a)
    rows = [["email", "name"], [" Erased@Example.test ", "Gone"], ["kept@example.test", "Kept"]]
    job = run_import(client, tenant_a, csv_bytes(rows), django_capture_on_commit_callbacks)
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert [c.email for c in contacts(tenant_a)] == ["kept@example.test"]
    assert "suppressed" in rejects_of(client, tenant_a, job)[1][-1]


def test_match_on_phone_when_there_is_no_email(
    tenant_a, admin_a, django_capture_on_commit_callbacks
) -> None:
    with tenant_context(tenant_a):
        known = ContactFactory(first_name="Old", email="", phone="+4930901820")
        ContactFactory(first_name="Unrelated", email="u@example.test", mobile="+4930901821")
    client = client_for(admin_a)
    rows = [
        ["first name", "phone", "email"],
        ["New", "+49 30 901820", ""],
        ["Only a mobile matches", "+49 30 901821", ""],  # the phone field is matched, not mobile
        ["Fresh", "+49 30 901822", ""],
    ]
    job = run_import(
        client, tenant_a, csv_bytes(rows), django_capture_on_commit_callbacks, match_key="phone"
    )
    assert (job.created_count, job.updated_count) == (2, 1)
    refresh(known)
    assert known.first_name == "New"
    assert len(contacts(tenant_a)) == 4


def test_custom_field_columns_are_validated(
    tenant_a, admin_a, django_capture_on_commit_callbacks
) -> None:
    with tenant_context(tenant_a):
        CustomFieldDefinitionFactory(
            key="budget", label="Budget", field_type=CustomFieldType.NUMBER
        )
        CustomFieldDefinitionFactory(key="crm_id", label="CRM ID", field_type=CustomFieldType.TEXT)
    client = client_for(admin_a)
    rows = [
        ["email", "budget", "CRM ID"],
        ["a@example.test", "1.234,50", "A-1"],
        ["b@example.test", "lots", "B-2"],
        ["", "", "A-1"],  # matched on the custom key: updates a@
    ]
    job = run_import(client, tenant_a, csv_bytes(rows), django_capture_on_commit_callbacks,
                     match_key="custom:crm_id")  # fmt: skip
    assert job.mapping == {"0": "email", "1": "custom:budget", "2": "custom:crm_id"}
    assert (job.created_count, job.rejected_count) == (1, 2)
    (a,) = contacts(tenant_a)
    assert a.custom == {"budget": 1234.5, "crm_id": "A-1"}
    reasons = [r[-1] for r in rejects_of(client, tenant_a, job)[1:]]
    assert any("Budget" in r and "number" in r for r in reasons)
    assert any("Duplicate in file" in r for r in reasons)


def test_xlsx_import(tenant_a, admin_a, django_capture_on_commit_callbacks) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Email", "Vorname", "Mobil", "Punkte"])
    sheet.append(["x@example.test", "Xaver", "+49 151 23456789", 12.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_for(admin_a)
    job = run_import(client, tenant_a, buffer.getvalue(), django_capture_on_commit_callbacks,
                     mapping={"0": "email", "1": "first_name", "2": "mobile"})  # fmt: skip
    assert job.file_format == "xlsx" and job.created_count == 1
    assert contacts(tenant_a)[0].mobile == "+4915123456789"
    assert job.headers == ["Email", "Vorname", "Mobil", "Punkte"]


def test_mapping_is_remembered_for_the_same_headers(
    tenant_a, admin_a, django_capture_on_commit_callbacks
) -> None:
    client = client_for(admin_a)
    rows = [["Spalte A", "Spalte B"], ["m@example.test", "Mia"]]
    run_import(client, tenant_a, csv_bytes(rows), django_capture_on_commit_callbacks,
               mapping={"0": "email", "1": "first_name"})  # fmt: skip
    with tenant_context(tenant_a):
        assert ColumnMappingMemory.objects.count() == 1
    response = upload(
        client, tenant_a, csv_bytes([["Spalte B", "Spalte A"], ["Mo", "mo@example.test"]])
    )
    assert response.status_code == 302
    assert the_job(tenant_a).mapping == {"0": "first_name", "1": "email"}


def test_mapping_errors(tenant_a, admin_a) -> None:
    client = client_for(admin_a)
    upload(client, tenant_a, csv_bytes([["a", "b"], ["1", "2"]]))
    job = the_job(tenant_a)
    url = tenant_reverse("crm_import:import_map", tenant_a, job.uuid)
    response = client.post(url, {"col-0": "city", "match_key": "email", "keep_duplicate": "first"})
    assert response.status_code == 400
    assert "Map a column to email, first name or last name" in response.content.decode()
    response = client.post(url, {"col-0": "email", "col-1": "email", "match_key": "email",
                                 "keep_duplicate": "first"})  # fmt: skip
    assert "both mapped" in response.content.decode()
    response = client.post(url, {"col-0": "email", "match_key": "phone", "keep_duplicate": "first"})
    assert "phone" in response.content.decode()
    refresh(job)
    assert job.status == ImportJob.Status.UPLOADED


def test_preview_shows_row_errors_and_writes_nothing(tenant_a, admin_a) -> None:
    client = client_for(admin_a)
    upload(client, tenant_a, csv_bytes([HEADER, *ROWS]))
    job = the_job(tenant_a)
    post = {f"col-{i}": t for i, t in job.mapping.items()}
    client.post(tenant_reverse("crm_import:import_map", tenant_a, job.uuid),
                {**post, "match_key": "email", "keep_duplicate": "first"})  # fmt: skip
    response = client.get(tenant_reverse("crm_import:import_preview", tenant_a, job.uuid))
    text = response.content.decode()
    assert "Enter a valid email address." in text and "ISO country code" in text
    assert "2 of them have errors" in text
    assert contacts(tenant_a) == []


# --- bad input: a clear message and nothing written ---------------------------------------------


def _nothing_written(tenant, media) -> None:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        assert ImportJob.objects.count() == 0
        assert Contact.objects.count() == 0
    stored = list(media.rglob("*")) if media.exists() else []
    assert [p for p in stored if p.is_file()] == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"email,name\r\n", "header row but no data rows"),
        (
            b"email,name\r\na@example.test,Anna\r\nb@example.test,Ben,extra\r\n",
            "same number of columns",
        ),
        (b"\x00\x00\xff\xfe\x00binary" * 50, "encoding is not recognised"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
    ],
)
def test_bad_files_give_a_message_and_write_nothing(
    tenant_a, admin_a, media, data: bytes, message: str
) -> None:
    response = upload(client_for(admin_a), tenant_a, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    _nothing_written(tenant_a, media)


def test_too_many_rows(tenant_a, admin_a, media, settings) -> None:
    settings.IMPORT_MAX_ROWS = 3
    data = csv_bytes([["email"], *[[f"r{i}@example.test"] for i in range(4)]])
    response = upload(client_for(admin_a), tenant_a, data)
    assert response.status_code == 400
    assert "more than 3 rows" in response.content.decode()
    _nothing_written(tenant_a, media)


def test_file_over_the_size_limit(tenant_a, admin_a, media, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 100 * 1024
    data = csv_bytes([["email"], *[[f"row{i:05d}@example.test"] for i in range(5_000)]])
    # Within the multipart slack, so the upload handler (not Content-Length) must stop it.
    assert 100 * 1024 < len(data) < 100 * 1024 + UPLOAD_SLACK
    response = upload(client_for(admin_a), tenant_a, data)
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    _nothing_written(tenant_a, media)


def test_a_200_mb_upload_is_refused_before_reading_it(tenant_a, admin_a, media) -> None:
    request = RequestFactory().post(
        "/alpha/imports/new/", data=b"", content_type="multipart/form-data; boundary=x"
    )
    request.META["CONTENT_LENGTH"] = str(200 * 1024 * 1024)
    request.user = admin_a
    request.tenant = tenant_a
    with tenant_context(tenant_a):
        from accounts.models import Membership

        request.membership = Membership.objects.get(user=admin_a, tenant=tenant_a)
        response = import_upload(request)
    assert response.status_code == 413
    assert "larger than 150 MB" in response.content.decode()
    _nothing_written(tenant_a, media)


# --- permissions and tenancy -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SUPPORT_AGENT, Role.VIEWER])
def test_roles_without_import_export_get_403(tenant_a, make_member, role) -> None:
    client = client_for(make_member(tenant_a, role))
    for name in ("crm_import:import_list", "crm_import:import_upload",
                 "crm_import:export_contacts", "crm_import:export_companies"):  # fmt: skip
        assert client.get(tenant_reverse(name, tenant_a)).status_code == 403
    response = upload(client, tenant_a, csv_bytes([["email"], ["a@example.test"]]))
    assert response.status_code == 403
    with tenant_context(tenant_a):
        assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("role", [Role.MANAGER, Role.MARKETER, Role.OWNER])
def test_roles_with_import_export_may_import(tenant_a, make_member, role) -> None:
    client = client_for(make_member(tenant_a, role))
    assert client.get(tenant_reverse("crm_import:import_list", tenant_a)).status_code == 200
    assert upload(client, tenant_a, csv_bytes([["email"], ["a@example.test"]])).status_code == 302


def test_another_tenants_job_is_404(tenant_a, tenant_b, admin_a, owner_b) -> None:
    upload(client_for(admin_a), tenant_a, csv_bytes([["email"], ["a@example.test"]]))
    job = the_job(tenant_a)
    client = client_for(owner_b)
    for name in ("import_detail", "import_map", "import_preview", "import_progress",
                 "import_rejects"):  # fmt: skip
        # Under B's address the job does not exist; under A's, B is not a member.
        assert (
            client.get(tenant_reverse(f"crm_import:{name}", tenant_b, job.uuid)).status_code == 404
        )
        assert (
            client.get(tenant_reverse(f"crm_import:{name}", tenant_a, job.uuid)).status_code == 404
        )
    response = client.post(tenant_reverse("crm_import:import_preview", tenant_b, job.uuid))
    assert response.status_code == 404
    refresh(job)
    assert job.status == ImportJob.Status.UPLOADED


def test_import_list_query_count_is_constant(tenant_a, admin_a, make_member) -> None:
    client = client_for(admin_a)
    url = tenant_reverse("crm_import:import_list", tenant_a)
    client.get(url)

    def make_jobs(n: int) -> None:
        with tenant_context(tenant_a):
            for i in range(n):
                ImportJob.objects.create(
                    original_filename=f"f{i}.csv",
                    created_by=make_member(tenant_a, Role.MARKETER),
                    status=ImportJob.Status.DONE,
                )

    make_jobs(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    make_jobs(6)
    with CaptureQueriesContext(connection) as seven:
        response = client.get(url)
    assert response.content.decode().count("f5.csv") == 1
    assert len(seven.captured_queries) == len(one.captured_queries)
    assert len(one.captured_queries) <= 8


def test_progress_partial_polls_while_running(tenant_a, admin_a) -> None:
    with tenant_context(tenant_a):
        job = ImportJob.objects.create(
            original_filename="big.csv", status=ImportJob.Status.RUNNING, total_rows=1000,
            processed_rows=250,
        )  # fmt: skip
    client = client_for(admin_a)
    response = client.get(tenant_reverse("crm_import:import_progress", tenant_a, job.uuid))
    text = response.content.decode()
    assert 'hx-trigger="every 1s"' in text and 'value="250"' in text and "25%" in text
    with tenant_context(tenant_a):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE, processed_rows=1000
        )
    text = client.get(
        tenant_reverse("crm_import:import_progress", tenant_a, job.uuid)
    ).content.decode()
    assert "hx-trigger" not in text and "Import finished" in text


def test_failed_job_reports_and_can_run_again(
    tenant_a, admin_a, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    client = client_for(admin_a)
    rows = [["email"], ["a@example.test"]]
    upload(client, tenant_a, csv_bytes(rows))
    job = the_job(tenant_a)
    client.post(tenant_reverse("crm_import:import_map", tenant_a, job.uuid),
                {"col-0": "email", "match_key": "email", "keep_duplicate": "first"})  # fmt: skip

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr("crm.imports.loading.ChunkLoader.load", boom)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(tenant_reverse("crm_import:import_preview", tenant_a, job.uuid))
    refresh(job)
    assert job.status == ImportJob.Status.FAILED and "RuntimeError" in job.error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(tenant_reverse("crm_import:import_retry", tenant_a, job.uuid))
    refresh(job)
    assert job.status == ImportJob.Status.DONE and job.created_count == 1


def test_service_rejects_oversized_upload_without_storing(
    tenant_a, admin_a, media, settings
) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    with tenant_context(tenant_a), pytest.raises(services.ImportFileError, match="larger than"):
        services.import_create(
            tenant=tenant_a, actor=admin_a, upload=SimpleUploadedFile("x.csv", b"email\na@b.test\n")
        )
    _nothing_written(tenant_a, media)


def test_stale_uploads_and_old_rejects_are_purged(
    tenant_a, tenant_b, admin_a, media, django_capture_on_commit_callbacks
) -> None:
    import datetime

    from django.utils import timezone

    from crm.imports.tasks import purge_import_files

    client = client_for(admin_a)
    done = run_import(
        client, tenant_a, csv_bytes([["email"], ["bad"], ["ok@example.test"]]),
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    upload(client, tenant_a, csv_bytes([["email"], ["later@example.test"]]))
    waiting = the_job(tenant_a)
    assert waiting.stored_path and done.rejects_path
    with tenant_context(tenant_a):
        ImportJob.objects.filter(pk=waiting.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=8)
        )
        ImportJob.objects.filter(pk=done.pk).update(
            finished_at=timezone.now() - datetime.timedelta(days=31)
        )
    assert purge_import_files() == 2
    refresh(waiting)
    refresh(done)
    assert waiting.status == ImportJob.Status.FAILED and waiting.stored_path == ""
    assert done.rejects_path == ""
    assert [p for p in media.rglob("*") if p.is_file()] == []
