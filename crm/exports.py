"""Exports of the contact and company lists to CSV (streamed) and XLSX.

The export takes the list's own query string (filters and sort, ``crm.selectors.lists``) and
walks the result with keyset pagination in batches, so a million-row export never holds more
than a batch in memory and never uses OFFSET. Every text cell that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading
apostrophe. Column headers are the field names the importer recognises, so an exported file can
be imported again (matching on email updates the same contacts).
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.tenancy import tenant_context
from crm.models import (
    CompanyTag,
    ContactTag,
    CustomFieldDefinition,
    CustomFieldType,
    Entity,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet evaluates: text starting like a formula gets a leading
    apostrophe (OWASP "CSV injection"). Other types are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def custom_cell(definition: CustomFieldDefinition, value: Any) -> Any:
    """A stored custom value in the form the importer reads back."""
    if value is None or value == "" or value == []:
        return ""
    kind = definition.field_type
    if kind == CustomFieldType.MULTI_CHOICE and isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if kind == CustomFieldType.MONEY and isinstance(value, Mapping):
        return f"{value.get('amount', '')} {value.get('currency', '')}".strip()
    if kind == CustomFieldType.BOOLEAN:
        return "yes" if value else "no"
    return value if isinstance(value, (int, float)) else str(value)


def _local(value: datetime.datetime | None) -> Any:
    if value is None:
        return ""
    return timezone.localtime(value).replace(microsecond=0, tzinfo=None)


@dataclass
class ExportSpec:
    entity: str
    headers: list[str]
    definitions: list[CustomFieldDefinition]

    def row(self, record: Any) -> list[Any]:
        tags = "; ".join(link.tag.name for link in record.tag_links.all())
        owner = record.owner.email if record.owner_id and record.owner else ""
        if self.entity == Entity.CONTACT:
            cells: list[Any] = [
                record.pk,
                record.first_name,
                record.last_name,
                record.email,
                record.phone,
                record.mobile,
                record.job_title,
                record.company.name if record.company_id and record.company else "",
                record.street,
                record.postal_code,
                record.city,
                record.region,
                record.country,
                record.lifecycle_stage,
                tags,
                owner,
                _local(record.created_at),
                _local(record.updated_at),
            ]
        else:
            cells = [
                record.pk,
                record.name,
                record.domain,
                record.industry,
                record.size,
                record.phone,
                record.street,
                record.postal_code,
                record.city,
                record.region,
                record.country,
                tags,
                owner,
                _local(record.created_at),
                _local(record.updated_at),
            ]
        custom = record.custom or {}
        cells += [custom_cell(d, custom.get(d.key)) for d in self.definitions]
        return [neutralise(cell) for cell in cells]


def export_spec(*, entity: str) -> ExportSpec:
    definitions = list(
        CustomFieldDefinition.objects.filter(entity=entity)
        .prefetch_related("choices")
        .order_by("position", "id")
    )
    if entity == Entity.CONTACT:
        headers = [
            "ID",
            _("First name"),
            _("Last name"),
            _("Email"),
            _("Phone"),
            _("Mobile"),
            _("Job title"),
            _("Company"),
            _("Street"),
            _("Postal code"),
            _("City"),
            _("Region"),
            _("Country"),
            _("Lifecycle stage"),
            _("Tags"),
            _("Owner"),
            _("Created"),
            _("Updated"),
        ]
    else:
        headers = [
            "ID",
            _("Name"),
            _("Domain"),
            _("Industry"),
            _("Size"),
            _("Phone"),
            _("Street"),
            _("Postal code"),
            _("City"),
            _("Region"),
            _("Country"),
            _("Tags"),
            _("Owner"),
            _("Created"),
            _("Updated"),
        ]
    headers += [str(d.label) for d in definitions]
    return ExportSpec(entity, [neutralise(h) for h in headers], definitions)


def export_queryset(
    *, tenant: Any, user: Any, entity: str, params: Mapping[str, Any]
) -> tuple[QuerySet, tuple[str, ...], bool, dict[str, str]]:
    """The list's filtered queryset (same parameters as the list view), its keyset columns,
    direction and the active filters."""
    from crm.selectors import lists

    if entity == Entity.CONTACT:
        base = lists.contact_base_queryset().filter(tenant=tenant)
        sorts = lists.CONTACT_SORTS
        tag_prefetch = Prefetch("tag_links", queryset=ContactTag.objects.select_related("tag"))
        related: tuple[str, ...] = ("company", "owner")
    else:
        base = lists.company_base_queryset().filter(tenant=tenant)
        sorts = lists.COMPANY_SORTS
        tag_prefetch = Prefetch("tag_links", queryset=CompanyTag.objects.select_related("tag"))
        related = ("owner",)
    queryset, active, _errors = lists.apply_filters(base, entity=entity, user=user, params=params)
    sort = str(params.get("sort") or "name")
    key = sort.lstrip("-")
    if key not in sorts:
        sort, key = "name", "name"
    queryset = queryset.select_related(*related).prefetch_related(tag_prefetch)
    return queryset, sorts[key], sort.startswith("-"), active


def iter_records(
    *, tenant_id: int, queryset: QuerySet, columns: tuple[str, ...], descending: bool
) -> Iterator[list[Any]]:
    """Batches of records in list order, each batch one keyset query (plus its tag prefetch).
    Binds the tenant itself: a streamed response runs after the request's middleware is done."""
    from crm.selectors.lists import keyset_page

    cursor: str | None = None
    while True:
        with tenant_context(tenant_id):
            rows, next_cursor, _prev = keyset_page(
                queryset, columns=columns, descending=descending, cursor=cursor, page_size=BATCH
            )
        if rows:
            yield rows
        if not next_cursor:
            return
        cursor = next_cursor


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(
    *, tenant_id: int, spec: ExportSpec, batches: Iterator[list[Any]]
) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (so Excel picks the encoding), one chunk per batch."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(spec.headers)).encode()
    for batch in batches:
        with tenant_context(tenant_id):
            lines = [writer.writerow(spec.row(record)) for record in batch]
        yield "".join(lines).encode()


def xlsx_file(*, tenant_id: int, spec: ExportSpec, batches: Iterator[list[Any]]) -> Any:
    """An XLSX file (write-only workbook, streamed to a temporary file) opened for reading."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    title = _("Contacts") if spec.entity == Entity.CONTACT else _("Companies")
    sheet = workbook.create_sheet(title=title)
    sheet.append(spec.headers)
    for batch in batches:
        with tenant_context(tenant_id):
            for record in batch:
                sheet.append(spec.row(record))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned open
    workbook.save(handle)
    handle.seek(0)
    return handle


__all__ = [
    "ExportSpec",
    "csv_stream",
    "export_queryset",
    "export_spec",
    "iter_records",
    "neutralise",
    "xlsx_file",
]
