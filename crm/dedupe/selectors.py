"""Duplicate suggestions: pairs of live contacts with the same email address (case-insensitive)
or a similar full name (pg_trgm similarity ≥ 0.6) at the same company.

One set-based SQL statement per page, keyset-paginated on the pair ``(a_id, b_id)`` with
``a_id < b_id`` and bounded with LIMIT; then one query loads the page's contacts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from accounts.models import Tenant
from accounts.tenancy import tenant_context
from crm.models import Contact

NAME_SIMILARITY = 0.6
PAGE_SIZE = 25
REASON_EMAIL = "email"
REASON_NAME = "name"

_LIVE = "{t}.deleted_at IS NULL AND {t}.erased_at IS NULL AND {t}.merged_into_id IS NULL"
_NAME = "lower(btrim({t}.first_name || ' ' || {t}.last_name))"

DUPLICATES_SQL = f"""
WITH pairs AS (
    SELECT a.id AS a_id, b.id AS b_id, '{REASON_EMAIL}' AS reason, 1.0::float8 AS score
    FROM crm_contact a
    JOIN crm_contact b
      ON b.tenant_id = a.tenant_id AND lower(b.email) = lower(a.email) AND b.id > a.id
    WHERE a.tenant_id = %(tenant_id)s AND a.email <> ''
      AND {_LIVE.format(t="a")} AND {_LIVE.format(t="b")}
      AND (a.id, b.id) > (%(after_a)s, %(after_b)s)
    UNION ALL
    SELECT a.id, b.id, '{REASON_NAME}', similarity({_NAME.format(t="a")}, {_NAME.format(t="b")})
    FROM crm_contact a
    JOIN crm_contact b
      ON b.tenant_id = a.tenant_id AND b.company_id = a.company_id AND b.id > a.id
    WHERE a.tenant_id = %(tenant_id)s AND a.company_id IS NOT NULL
      AND {_LIVE.format(t="a")} AND {_LIVE.format(t="b")}
      AND {_NAME.format(t="a")} <> '' AND {_NAME.format(t="b")} <> ''
      AND (a.id, b.id) > (%(after_a)s, %(after_b)s)
      AND similarity({_NAME.format(t="a")}, {_NAME.format(t="b")}) >= %(threshold)s
)
SELECT a_id, b_id, array_agg(DISTINCT reason ORDER BY reason),
       max(score) FILTER (WHERE reason = '{REASON_NAME}')
FROM pairs
GROUP BY a_id, b_id
ORDER BY a_id, b_id
LIMIT %(limit)s
"""  # noqa: S608 — only constants are interpolated; values are parameters


@dataclass
class DuplicatePair:
    a: Contact
    b: Contact
    reasons: list[str]
    name_similarity: float | None

    @property
    def same_email(self) -> bool:
        return REASON_EMAIL in self.reasons

    @property
    def similar_name(self) -> bool:
        return REASON_NAME in self.reasons


@dataclass
class DuplicatePage:
    pairs: list[DuplicatePair] = field(default_factory=list)
    next_cursor: str | None = None


def parse_cursor(cursor: str | None) -> tuple[int, int]:
    """``"<a_id>-<b_id>"`` → the pair after which the page starts; junk → the first page."""
    try:
        a_text, b_text = (cursor or "").split("-", 1)
        a_id, b_id = int(a_text), int(b_text)
    except ValueError:
        return 0, 0
    if not (0 <= a_id < 2**63 and 0 <= b_id < 2**63):
        return 0, 0
    return a_id, b_id


def duplicate_pairs(
    *, tenant: Tenant, cursor: str | None = None, limit: int = PAGE_SIZE
) -> DuplicatePage:
    """One page of duplicate suggestions for ``tenant``. Two queries."""
    after_a, after_b = parse_cursor(cursor)
    params = {
        "tenant_id": tenant.pk,
        "after_a": after_a,
        "after_b": after_b,
        "threshold": NAME_SIMILARITY,
        "limit": limit + 1,
    }
    with tenant_context(tenant), connection.cursor() as db:
        db.execute(DUPLICATES_SQL, params)
        rows = db.fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    ids = {pk for a_id, b_id, *_ in rows for pk in (a_id, b_id)}
    with tenant_context(tenant):
        contacts = Contact.objects.filter(pk__in=ids).select_related("company").in_bulk()
    pairs = [
        DuplicatePair(
            a=contacts[a_id],
            b=contacts[b_id],
            reasons=list(reasons),
            name_similarity=None if score is None else round(float(score), 2),
        )
        for a_id, b_id, reasons, score in rows
        if a_id in contacts and b_id in contacts
    ]
    next_cursor = f"{rows[-1][0]}-{rows[-1][1]}" if has_more and rows else None
    return DuplicatePage(pairs=pairs, next_cursor=next_cursor)
