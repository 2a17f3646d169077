"""Import a CSV with some bad rows: map the columns, preview the row errors, watch the
progress bar until the report, and download the rejected rows."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tenancy import tenant_context
from crm.imports import tasks
from crm.models import Contact
from tests.browser.test_mfa_journey import log_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

GOOD_ROWS = 3000


def make_csv(path) -> None:  # type: ignore[no-untyped-def]
    lines = ["First name;Last name;Email;Phone;Country"]
    lines += [
        f"Ada{i};Lovelace;ada{i}@engines.example;+49 30 {1000000 + i};DE" for i in range(GOOD_ROWS)
    ]
    lines += [
        "Bad;Email;not-an-email;;DE",
        "Bad;Phone;phone@engines.example;call me maybe;DE",
        "Bad;Country;country@engines.example;;Narnia",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


class WorkerLikeTask:
    """Runs the import in another thread a moment after it is queued, as a Celery worker
    would, so the page has to poll for progress instead of finding the job already done."""

    def __init__(self, task) -> None:  # type: ignore[no-untyped-def]
        self.task = task

    def delay(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        def work() -> None:
            time.sleep(1.0)
            try:
                self.task(**kwargs)
            finally:
                connection.close()

        threading.Thread(target=work, daemon=True).start()


def test_import_with_bad_rows_progress_and_report(
    live_server, page: Page, screenshot, tmp_path, monkeypatch, settings
) -> None:
    settings.IMPORT_CHUNK_ROWS = 500  # several progress steps for a small file
    monkeypatch.setattr(tasks, "run_import", WorkerLikeTask(tasks.run_import))
    tenant = TenantFactory(slug="import-co", name="Import Co")
    admin = UserFactory(email="ines@import-co.test")
    MembershipFactory(tenant=tenant, user=admin, role=Role.ADMIN)
    csv_path = tmp_path / "contacts.csv"
    make_csv(csv_path)

    log_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/import-co/imports/new/")
    page.locator("input[type=file]").set_input_files(str(csv_path))
    page.get_by_role("button", name="Upload and check").click()

    # Column mapping: the headers are recognised; match on email.
    expect(page.locator("#match_key")).to_be_visible()
    screenshot("import-map")
    page.get_by_role("button", name="Preview").click()

    # The preview shows the row-level errors before anything is written.
    expect(page.get_by_text(re.compile("not-an-email|email", re.I)).first).to_be_visible()
    screenshot("import-preview")
    page.get_by_role("button", name=re.compile(r"Import [\d,.]+ rows")).click()

    expect(page.locator("#import-status progress")).to_be_visible()
    screenshot("import-progress")
    expect(page.locator("#import-status")).to_contain_text("Import finished", timeout=60_000)
    screenshot("import-report")
    status = page.locator("#import-status")
    expect(status).to_contain_text(f"{GOOD_ROWS:,}")

    with page.expect_download() as download_info:
        status.get_by_role("link", name=re.compile("rejected rows", re.I)).click()
    rejects = download_info.value.path().read_text(encoding="utf-8-sig")
    assert "not-an-email" in rejects and "Narnia" in rejects and "call me maybe" in rejects

    with tenant_context(tenant):
        assert Contact.objects.count() == GOOD_ROWS
