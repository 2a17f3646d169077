# SQL here is assembled from column-name constants only; every value is a parameter.
# ruff: noqa: S608
"""Global search over contacts (name, email, phone) and companies (name, domain).

::

    contact_search(*, tenant, query: str, limit: int = 10) -> SearchResults
    company_search(*, tenant, query: str, limit: int = 10) -> list[Company]
    apply_prefix_search(queryset, text) -> QuerySet | None     # the list pages' ``q`` filter

Why btree ranges and not the GIN indexes: every tenant-owned table has FORCEd row-level
security, and PostgreSQL only uses a condition as an *index* condition on such a table when its
operator is leakproof. Text comparisons (``>=``, ``<``, ``=``) are; ``tsvector @@ tsquery``,
pg_trgm's ``%`` and ``jsonb @>`` are not, so those GIN indexes could only ever filter rows
already fetched — a scan of the tenant's whole table. Search therefore uses stored, lower-cased,
``"C"``-collated key columns (``first_name_key``, ``last_name_key``, ``email_key``,
``Company.name_key``; phones are E.164 already) with btree indexes leading with ``tenant_id``:

1. **Prefix** — the longest word typed is matched as a prefix (``key >= 'lov' AND key <
   'lov\\U0010ffff'``) of last name, first name or email: a BitmapOr of index range scans. Every
   other word must prefix one of them too (checked on the few rows found). A query that looks
   like a phone number matches phones by prefix (``00`` → ``+``; ``+4930…``).
2. **Fuzzy** — when prefix matching finds fewer than ``limit`` rows, words of three or more
   letters are compared with pg_trgm similarity against the tenant's *distinct* first and last
   names that start with the word's first two letters, or with the two letters that undo a
   swap or an extra letter at the start ("Hguhes" → "hu…"). A skip scan over the key index
   reads one entry per distinct name, so the cost follows the number of different names, not
   of contacts. The contacts bearing the best names are then fetched by key equality and
   ranked: "Muellr" finds "Mueller", "Simth" finds "Smith". A wrong first letter together
   with a wrong second one is not caught (the price of staying on indexes).

At most six queries, whatever the data size. Results exclude soft-deleted records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Collate, Greatest

from crm.models import Company, Contact

MIN_FUZZY = 3
MAX_TOKENS = 6
TOP = "\U0010ffff"  # sorts after every character in the "C" collation
_PHONE_RE = re.compile(r"^\+?[\d\s()\-/.]+$")
_TOKEN_RE = re.compile(r"[\w@.+\-']+", re.UNICODE)


def tokens_of(text: str) -> list[str]:
    """Lower-cased words of ``text`` (e-mail addresses and hyphenated names stay whole)."""
    found: list[str] = []
    for token in _TOKEN_RE.findall((text or "").lower()[:200]):
        token = token.strip(".-+'")
        if token and token not in found:
            found.append(token)
    return found[:MAX_TOKENS]


def phone_prefix(text: str) -> str | None:
    """``"+49 30 12"`` / ``"0049 30 12"`` → ``"+493012"``; None unless it looks like a phone."""
    text = (text or "").strip()
    digits = re.sub(r"\D", "", text)
    if not _PHONE_RE.match(text) or len(digits) < 4:
        return None
    if text.startswith("00"):
        digits = digits[2:]
    return "+" + digits


def _range(column: str, prefix: str) -> Q:
    return Q(**{f"{column}__gte": prefix, f"{column}__lt": prefix + TOP})


def _starts(columns: tuple[str, ...], token: str) -> Q:
    q = Q()
    for column in columns:
        q |= Q(**{f"{column}__startswith": token})
    return q


CONTACT_KEYS = ("last_name_key", "first_name_key", "email_key")
COMPANY_KEYS = ("name_key", "_domain_key")


def apply_prefix_search(queryset: QuerySet, text: str) -> QuerySet | None:
    """Narrow a Contact or Company queryset to prefix matches of ``text``; None if ``text``
    has nothing searchable. Index-backed (see the module docstring)."""
    is_contact = queryset.model is Contact
    phone = phone_prefix(text) if is_contact else None
    if phone:
        return queryset.alias(_phone_key=Collate("phone", "C")).filter(_range("_phone_key", phone))
    words = tokens_of(text)
    if not words:
        return None
    keys = CONTACT_KEYS if is_contact else COMPANY_KEYS
    if not is_contact:
        queryset = queryset.alias(_domain_key=Collate("domain", "C"))
    driving = max(words, key=len)
    condition = Q()
    for column in keys:
        condition |= _range(column, driving)
    queryset = queryset.filter(condition)
    for word in words:
        if word != driving:
            queryset = queryset.filter(_starts(keys, word))
    return queryset


def fuzzy_tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"\w+", (text or "").lower())[:MAX_TOKENS] if len(t) >= MIN_FUZZY]


@dataclass
class SearchResults:
    query: str
    contacts: list[Contact] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.contacts and not self.companies


# --- fuzzy contacts: similar *distinct names* first, then the contacts bearing them -----------

# Below pg_trgm's default 0.3: a swap in a short name ("Wbeer" for "Weber") shares few
# trigrams, and only a small set of distinct names is ranked by it.
SIMILARITY = 0.2
MAX_NAMES_PER_RANGE = 2_000  # distinct names read per prefix range (bounds the worst case)
BEST_NAMES = 20  # most similar names kept per column
FUZZY_CANDIDATES = 500  # contacts scored (the bearers of the best names, best names first)


def fuzzy_prefixes(token: str) -> list[str]:
    """Two-letter prefixes a misspelt word's real name may start with: its own, and the ones
    that undo a swap of the first two letters ("Uhghes") or of the second and third, or an
    extra second letter ("Hguhes", "Hxughes" → "hu")."""
    candidates = [token[:2], token[1] + token[0]]
    if len(token) > 2:
        candidates.append(token[0] + token[2])
    return list(dict.fromkeys(candidates))


def _distinct_names_sql(column: str, ranges: int) -> str:
    # A skip scan: one index probe per distinct name in each prefix range, so the cost follows
    # the number of different names, not the number of contacts bearing them (a tenant with a
    # million contacts has a few thousand distinct surnames).
    parts = []
    for i in range(ranges):
        lo, hi = f"%(lo{i})s", f"%(hi{i})s"
        parts.append(f"""(
            WITH RECURSIVE names(k, n) AS (
                (SELECT {column}, 1 FROM crm_contact
                 WHERE tenant_id = %(tenant)s AND deleted_at IS NULL
                   AND {column} >= {lo} AND {column} < {hi}
                 ORDER BY {column} LIMIT 1)
                UNION ALL
                SELECT (SELECT c.{column} FROM crm_contact c
                        WHERE c.tenant_id = %(tenant)s AND c.deleted_at IS NULL
                          AND c.{column} > names.k AND c.{column} < {hi}
                        ORDER BY c.{column} LIMIT 1), names.n + 1
                FROM names WHERE names.k IS NOT NULL AND names.n < {MAX_NAMES_PER_RANGE}
            ) SELECT k FROM names WHERE k IS NOT NULL)""")
    return " UNION ".join(parts)


def similar_names(column: str, tokens: list[str], tenant_id: int) -> list[str]:
    """The tenant's distinct values of ``column`` (``last_name_key`` / ``first_name_key``) most
    similar to any of ``tokens``, best first."""
    prefixes = list(dict.fromkeys(p for token in tokens for p in fuzzy_prefixes(token)))
    params: dict[str, Any] = {"tenant": tenant_id, "tokens": tokens, "threshold": SIMILARITY}
    for i, prefix in enumerate(prefixes):
        params[f"lo{i}"], params[f"hi{i}"] = prefix, prefix + TOP
    sql = f"""
        SELECT k FROM ({_distinct_names_sql(column, len(prefixes))}) AS found(k)
        CROSS JOIN LATERAL (
            SELECT max(similarity(found.k, t)) AS score FROM unnest(%(tokens)s::text[]) AS t
        ) AS best
        WHERE best.score >= %(threshold)s
        ORDER BY best.score DESC, k LIMIT {BEST_NAMES}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _contact_fuzzy(
    tokens: list[str], limit: int, exclude: list[int], tenant_id: int
) -> list[Contact]:
    last_names = similar_names("last_name_key", tokens, tenant_id)
    first_names = similar_names("first_name_key", tokens, tenant_id)
    if not last_names and not first_names:
        return []
    score: Any = None
    for token in tokens:
        term = Greatest(
            TrigramSimilarity("last_name_key", token), TrigramSimilarity("first_name_key", token)
        )
        score = term if score is None else score + term
    # Equality on the key columns (``= ANY``) is an index condition under row-level security;
    # only the bearers of the best names are scored.
    candidates = (
        Contact.objects.filter(deleted_at__isnull=True)
        .filter(Q(last_name_key__in=last_names) | Q(first_name_key__in=first_names))
        .exclude(pk__in=exclude)
        .values("pk")[:FUZZY_CANDIDATES]
    )
    queryset: QuerySet = (
        Contact.objects.filter(pk__in=candidates)
        .annotate(search_score=score)
        .select_related("company")
        .order_by("-search_score", "id")
    )
    return list(queryset[:limit])


def _company_fuzzy(tokens: list[str], limit: int, exclude: list[int]) -> list[Company]:
    # Company names have several words ("Acme Industries"): match each word typed against the
    # words of the name (word similarity), among names sharing its first two letters.
    candidates, similar = Q(), Q()
    score: Any = None
    for token in tokens:
        candidates |= _range("name_key", token[:2])
        similar |= Q(name_key__trigram_word_similar=token)
        term = TrigramWordSimilarity(token, "name_key")
        score = term if score is None else score + term
    queryset: QuerySet = (
        Company.objects.filter(deleted_at__isnull=True)
        .filter(candidates)
        .filter(similar)
        .exclude(pk__in=exclude)
        .annotate(search_score=score)
        .order_by("-search_score", "id")
    )
    return list(queryset[:limit])


def _rank(text: str, query: str) -> tuple[int, str]:
    low, q = text.lower(), query.lower().strip()
    if low == q:
        return (0, low)
    if low.startswith(q):
        return (1, low)
    return (2, low)


def contact_search(*, tenant: Any, query: str, limit: int = 10) -> SearchResults:
    """Contacts and companies matching ``query`` (prefix first, then fuzzy), at most ``limit``
    of each. ``tenant`` must be the bound tenant."""
    limit = max(1, min(int(limit), 100))
    results = SearchResults(query=(query or "").strip())
    matched = apply_prefix_search(
        Contact.objects.filter(tenant=tenant, deleted_at__isnull=True), query
    )
    if matched is None:
        return results
    contacts = list(matched.select_related("company")[:limit])
    contacts.sort(key=lambda c: _rank(c.full_name or c.email, query))
    companies = (
        company_search(tenant=tenant, query=query, limit=limit) if not phone_prefix(query) else []
    )
    tokens = fuzzy_tokens(query)
    if tokens and len(contacts) < limit and not phone_prefix(query):
        contacts += _contact_fuzzy(
            tokens, limit - len(contacts), [c.pk for c in contacts], tenant_id=tenant.pk
        )
    results.contacts, results.companies = contacts, companies
    return results


def company_search(*, tenant: Any, query: str, limit: int = 10) -> list[Company]:
    """Companies only (prefix on name or domain, then fuzzy): for pickers. At most two queries."""
    limit = max(1, min(int(limit), 100))
    matched = apply_prefix_search(
        Company.objects.filter(tenant=tenant, deleted_at__isnull=True), query
    )
    if matched is None:
        return []
    companies = list(matched[:limit])
    companies.sort(key=lambda c: _rank(c.name, query))
    tokens = fuzzy_tokens(query)
    if tokens and len(companies) < limit:
        companies += _company_fuzzy(tokens, limit - len(companies), [c.pk for c in companies])
    return companies
