"""The list rows built in Python (crm.views.rows): escaping, links inside the tenant, local
dates identical to Django's date formatting, and the select-options tags."""

from __future__ import annotations

import datetime
import random
import zoneinfo

import pytest
from django.utils import dateformat, translation
from django.utils.formats import get_format

from accounts.urls_util import tenant_reverse, tenant_url_for_ids
from crm.formatting import DateFormatter
from crm.templatetags.crm_tags import country_options, options
from tests.factories_crm import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_list_rows_escape_every_value(tenant_a, owner_a, in_tenant, login) -> None:
    with in_tenant(tenant_a):
        company = CompanyFactory(name='<b>"Evil" & Co</b>')
        contact = ContactFactory(
            first_name="<script>alert(1)</script>", last_name="O'Neil", company=company,
            job_title="<i>boss</i>", tags=["<tag>"],
        )  # fmt: skip
    client = login(owner_a)
    page = client.get(tenant_reverse("crm:contact_list", tenant_a)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Neil" in page
    assert "&lt;b&gt;&quot;Evil&quot; &amp; Co&lt;/b&gt;" in page
    assert "&lt;i&gt;boss&lt;/i&gt;" in page and "&lt;tag&gt;" in page
    assert f'href="{tenant_reverse("crm:contact_detail", tenant_a, contact.pk)}"' in page
    assert f'href="{tenant_reverse("crm:company_detail", tenant_a, company.pk)}"' in page
    companies = client.get(tenant_reverse("crm:company_list", tenant_a)).content.decode()
    assert "&lt;b&gt;&quot;Evil&quot; &amp; Co&lt;/b&gt;" in companies
    assert "<b>" not in companies


def test_url_for_ids_matches_reverse(tenant_a) -> None:
    url = tenant_url_for_ids("crm:contact_detail", tenant_a)
    assert url(42) == tenant_reverse("crm:contact_detail", tenant_a, 42)


@pytest.mark.parametrize("language", ["en", "de"])
def test_date_formatter_equals_django(language: str) -> None:
    rng = random.Random(5)
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    start = datetime.datetime(2024, 1, 1, tzinfo=zone)
    with translation.override(language):
        formats = [get_format(name) for name in ("SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT")]
        for fmt in [*formats, r"D, j M Y \a\t P", "c", "N j, Y, P", "l jS F y A"]:
            formatter = DateFormatter(fmt)
            for _ in range(500):
                value = start + datetime.timedelta(minutes=rng.randint(0, 2_000_000))
                assert formatter(value) == dateformat.format(value, fmt), fmt


def test_options_tags_escape_and_select() -> None:
    html = options([(1, "<One>"), (2, "Two")], "2")
    assert html == ('<option value="1">&lt;One&gt;</option><option value="2" selected>Two</option>')
    with translation.override("de"):
        countries = country_options("de")
        assert '<option value="DE" selected>Deutschland</option>' in countries
        assert countries.count(" selected") == 1
    assert " selected" not in country_options("")


def test_short_date_filters_equal_djangos_date_filter_in_the_active_zone() -> None:
    from django.template import Context, Template
    from django.utils import timezone

    when = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)  # 02:30 CEST in Berlin
    template = Template(
        '{% load crm_tags %}{{ w|short_datetime }}|{{ w|date:"SHORT_DATETIME_FORMAT" }}|'
        '{{ w|short_date }}|{{ w|date:"SHORT_DATE_FORMAT" }}|{{ none|short_date }}'
    )
    for language, zone in (("en", "America/New_York"), ("de", "Europe/Berlin")):
        with translation.override(language), timezone.override(zone):
            fast, django_dt, fast_date, django_date, empty = template.render(
                Context({"w": when, "none": None})
            ).split("|")
            assert (fast, fast_date, empty) == (django_dt, django_date, "")
