"""Registries that let every app take part in data-subject export and erasure.

The contacts core registers its own sections in ``crm.privacy.export`` and
``crm.privacy.services``; later apps (deals, tickets, campaign events) register theirs from
their ``AppConfig.ready()``::

    from crm.privacy.registry import register_export_section, register_eraser

    @register_export_section("deals")
    def export_deals(ctx):
        rows = [...]  # everything about ctx.contact_ids
        yield "deals.json", json_bytes(rows)

    @register_eraser("deals")
    def erase_deals(ctx):
        Deal.objects.filter(contact_id__in=ctx.contact_ids).update(notes="")

Export sections yield ``(filename, bytes | str)`` pairs; erasers blank free text about the
person and may return a count for the audit entry. Both run with the tenant bound, inside the
export's / erasure's transaction.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from accounts.models import Tenant

FileEntry = tuple[str, bytes | str]


@dataclass(frozen=True)
class PrivacyContext:
    tenant: Tenant
    contact: Any  # crm.models.Contact
    contact_ids: Sequence[int]  # the contact and every contact merged into it
    actor: Any = None


ExportSection = Callable[[PrivacyContext], Iterable[FileEntry]]
Eraser = Callable[[PrivacyContext], int | None]

EXPORT_SECTIONS: dict[str, ExportSection] = {}
ERASERS: dict[str, Eraser] = {}


def register_export_section(name: str) -> Callable[[ExportSection], ExportSection]:
    def decorator(func: ExportSection) -> ExportSection:
        EXPORT_SECTIONS[name] = func
        return func

    return decorator


def register_eraser(name: str) -> Callable[[Eraser], Eraser]:
    def decorator(func: Eraser) -> Eraser:
        ERASERS[name] = func
        return func

    return decorator


# --- helpers for sections -------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not evaluate as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


def csv_bytes(rows: list[dict[str, Any]], columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(_flat(row.get(column))) for column in columns])
    return buffer.getvalue().encode("utf-8-sig")


def _flat(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value
