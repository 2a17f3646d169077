# SQL here is assembled from constants and model metadata only; every value is a parameter.
# ruff: noqa: S608
"""Loading validated rows: psycopg ``COPY`` into a temporary staging table, then set-based SQL
per chunk — never a query per row.

Before a chunk, in a short transaction of its own: the companies and tags it names are created
if missing (serialised per tenant with an advisory lock so two imports never create the same
company twice) and resolved to ids, cached for the job — companies matched by name
case-insensitively, the oldest active one winning.

Per chunk, in one transaction with the tenant bound (row-level security applies to every
statement; the temporary table is the session's own):

1. ``COPY`` the rows into ``kontor_import_stage`` (company and tag ids already resolved);
2. drop suppressed (erased) addresses: one anti-join against ``crm_suppression`` on
   ``sha256(lower(email))``;
3. match existing contacts: on ``email_key`` (``lower(email)``, "C" collation, indexed — an
   equality that stays an index condition under row-level security), then for the rest on the
   secondary key (phone or a custom field) if the job has one;
4. find the matched contacts whose values change (read-only, one primary-key probe per row, see
   ``_probe``), then — only if there are any — ``UPDATE … FROM`` staging for them (empty cells
   never overwrite), writing the field history (``crm_fieldchange``, source ``import``) in the
   same statement; then their primary company links and tags (``ON CONFLICT``);
5. one ``INSERT`` statement for the new contacts: ids drawn from the contact sequence in a
   materialised CTE, the contacts, their company links and tags inserted from it (no UPDATE
   of the staging table, nothing that could conflict);
6. the job's progress counters.

Every loader transaction runs with ``jit = off``: ``enable_nestloop = off`` (see ``_begin``)
inflates plan costs past ``jit_above_cost``, and compiling cost more than a chunk's work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction

from crm.imports.fields import CUSTOM_PREFIX
from crm.models import (
    Company,
    Contact,
    ContactCompany,
    ContactTag,
    FieldChange,
    ImportJob,
    Suppression,
    Tag,
)

STAGE = "kontor_import_stage"
# A validated row as the loader receives it: the row number, then ``RowValidator``'s values.
ROW_COLUMNS: list[tuple[str, str]] = [
    ("row_no", "integer"),
    ("email", "text"),
    ("email_lower", "text"),
    ("first_name", "text"),
    ("last_name", "text"),
    ("job_title", "text"),
    ("phone", "text"),
    ("mobile", "text"),
    ("city", "text"),
    ("country", "text"),
    ("lifecycle_stage", "text"),
    ("company_name", "text"),
    ("tags", "text[]"),
    ("custom", "jsonb"),
    ("match_value", "text"),
]
# Positions in a row (the tuple follows ROW_COLUMNS, row_no first).
COMPANY = [name for name, _kind in ROW_COLUMNS].index("company_name")
TAGS = [name for name, _kind in ROW_COLUMNS].index("tags")
# What is copied into staging: company and tag names are resolved to ids in Python first
# (cached for the job), so no statement per chunk joins the staging table to companies or tags.
STAGE_COLUMNS: list[tuple[str, str]] = [
    *ROW_COLUMNS[:COMPANY],
    ("company_id", "bigint"),
    ("tag_ids", "bigint[]"),
    *ROW_COLUMNS[TAGS + 1 :],
]
# Contact columns an import may set, and the history's field names for them.
PLAIN_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "job_title",
    "city",
    "country",
    "lifecycle_stage",
)


@dataclass
class ChunkResult:
    last_row_index: int  # data rows of the file consumed so far (for progress)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


def _insert_parts(
    model: type[models.Model], provided: dict[str, str]
) -> tuple[str, str, dict[str, Any]]:
    """Column list, SELECT list and parameters for an INSERT into ``model``'s table: the
    expressions in ``provided`` by column, every other column its Python default (the tables
    have no database defaults)."""
    columns: list[str] = []
    values: list[str] = []
    params: dict[str, Any] = {}
    for model_field in model._meta.concrete_fields:
        if getattr(model_field, "generated", False):
            continue
        column = model_field.column
        columns.append(connection.ops.quote_name(column))
        if column in provided:
            values.append(provided[column])
            continue
        if model_field.primary_key:
            columns.pop()
            continue
        name = f"default_{column}"
        params[name] = model_field.get_db_prep_save(model_field.get_default(), connection)
        values.append(f"%({name})s")
    return ", ".join(columns), ", ".join(values), params


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class ChunkLoader:
    """Loads chunks of validated rows for one import job (build once, call ``load`` per chunk)."""

    def __init__(
        self,
        *,
        tenant_id: int,
        job_id: int,
        targets: Iterable[str],
        match_key: str,
        user_id: int | None,
        check_suppressions: bool,
    ) -> None:
        self.tenant_id = tenant_id
        self.job_id = job_id
        self.targets = set(targets)
        self.match_key = match_key
        self.user_id = user_id
        self.check_suppressions = check_suppressions and "email" in self.targets
        self.plain = [name for name in PLAIN_FIELDS if name in self.targets]
        self.custom_keys = sorted(
            t[len(CUSTOM_PREFIX) :] for t in self.targets if t.startswith(CUSTOM_PREFIX)
        )
        self.has_company = "company" in self.targets
        self.has_tags = "tags" in self.targets
        self.secondary = match_key if match_key != "email" else ""
        self.params_base = {"tenant": tenant_id, "user": user_id}
        # Name → id, filled by _ensure_references (writer threads share them; dict updates are
        # atomic, and a name resolved twice resolves to the same id).
        self.company_ids: dict[str, int] = {}
        self.tag_ids: dict[str, int] = {}
        self._build_sql()

    # --- SQL, built once per job ------------------------------------------------------------

    def _build_sql(self) -> None:
        contact = _table(Contact)
        self.create_stage_sql = (
            f"DROP TABLE IF EXISTS pg_temp.{STAGE}; CREATE TEMP TABLE {STAGE} ("
            + ", ".join(f"{name} {kind}" for name, kind in STAGE_COLUMNS)
            + ", contact_id bigint"
            # The same expression as Contact.email_key ("C" collation): equality on it is
            # leakproof, so the key index works under row-level security.
            + ', email_key text COLLATE "C" GENERATED ALWAYS AS (lower(email)) STORED'
            + ', match_key text COLLATE "C" GENERATED ALWAYS AS (match_value) STORED'
            + ") ON COMMIT DROP"
        )
        self.copy_sql = f"COPY {STAGE} ({', '.join(n for n, _k in STAGE_COLUMNS)}) FROM STDIN"

        self.suppress_sql = f"""
            DELETE FROM {STAGE} s USING {_table(Suppression)} x
            WHERE x.tenant_id = %(tenant)s AND s.email_lower <> ''
              AND x.email_sha256 = encode(sha256(convert_to(s.email_lower, 'UTF8')), 'hex')
            RETURNING s.row_no"""

        # Matching looks the chunk's keys up with ``key = ANY(%(keys)s)`` — the keys fetched from
        # the staging table first, so the planner sees the real array: an index scan on
        # (tenant_id, key) when the tenant is big, one pass over the tenant's rows when its
        # statistics say it is small (they lag behind during a big first import). Never a probe
        # per row that could turn into a scan per row under stale statistics.
        active = "c.deleted_at IS NULL AND c.erased_at IS NULL AND c.merged_into_id IS NULL"
        self.match_email_sql = f"""
            UPDATE {STAGE} s SET contact_id = m.id FROM (
                SELECT DISTINCT ON (c.email_key) c.email_key AS key, c.id
                FROM {contact} c
                WHERE c.tenant_id = %(tenant)s AND c.email_key = ANY(%(keys)s::text[]) AND {active}
                ORDER BY c.email_key, c.id
            ) m WHERE s.email_key = m.key"""
        self.stage_email_keys_sql = (
            f"SELECT array_agg(email_key) FROM {STAGE} WHERE email_key <> ''"
        )

        self.match_secondary_sql = ""
        if self.secondary == "phone":
            # The contact's phone field (indexed as ``phone COLLATE "C"``).
            self.match_secondary_sql = f"""
                UPDATE {STAGE} s SET contact_id = m.id FROM (
                    SELECT DISTINCT ON (c.phone COLLATE "C") c.phone COLLATE "C" AS key, c.id
                    FROM {contact} c
                    WHERE c.tenant_id = %(tenant)s AND c.phone COLLATE "C" = ANY(%(keys)s::text[])
                      AND {active}
                    ORDER BY c.phone COLLATE "C", c.id
                ) m WHERE s.contact_id IS NULL AND s.match_key = m.key"""
            self.stage_secondary_keys_sql = (
                f"SELECT array_agg(match_key) FROM {STAGE} "
                "WHERE contact_id IS NULL AND match_key <> ''"
            )
        elif self.secondary.startswith(CUSTOM_PREFIX):
            # jsonb operators are not leakproof, so no index can serve this under row-level
            # security: one hash join over the tenant's contacts per chunk.
            self.params_base["custom_key"] = self.secondary[len(CUSTOM_PREFIX) :]
            self.match_secondary_sql = f"""
                UPDATE {STAGE} s SET contact_id = m.id FROM (
                    SELECT DISTINCT ON (c.custom ->> %(custom_key)s)
                           c.custom ->> %(custom_key)s AS key, c.id
                    FROM {contact} c
                    WHERE c.tenant_id = %(tenant)s AND {active}
                      AND c.custom ->> %(custom_key)s IN (
                          SELECT match_value FROM {STAGE}
                          WHERE contact_id IS NULL AND match_value <> '')
                    ORDER BY c.custom ->> %(custom_key)s, c.id
                ) m WHERE s.contact_id IS NULL AND s.match_value = m.key"""
        # Two rows of the file resolving to one contact (one by email, one by phone): the
        # first one wins, the other is reported.
        self.same_contact_sql = f"""
            DELETE FROM {STAGE} s USING {STAGE} f
            WHERE s.contact_id = f.contact_id AND s.row_no > f.row_no
            RETURNING s.row_no, f.row_no"""
        self.nameless_sql = f"""
            DELETE FROM {STAGE} s
            WHERE s.contact_id IS NULL AND s.email = '' AND s.first_name = '' AND s.last_name = ''
            RETURNING s.row_no"""
        self.matched_ids_sql = (
            f"SELECT array_agg(contact_id) FILTER (WHERE contact_id IS NOT NULL),"
            f" count(*) FILTER (WHERE contact_id IS NULL) FROM {STAGE}"
        )

        company = _table(Company)
        self.company_lock_sql = "SELECT pg_advisory_xact_lock(%(tenant)s, 4242)"
        cols, vals, params = _insert_parts(
            Company,
            {
                "tenant_id": "%(tenant)s",
                "name": "n.company_name",
                "owner_id": "%(user)s",
                "created_by_id": "%(user)s",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
        self.params_base.update(params)
        # Companies (and tags) a chunk needs are created beforehand in a short transaction of
        # their own, serialised per tenant: parallel chunks and imports never create the same
        # company twice, and nobody waits for a whole chunk to commit.
        self.company_keys_sql = (
            'SELECT array_agg(DISTINCT lower(n) COLLATE "C") FROM unnest(%(names)s::text[]) AS n'
        )
        self.company_create_sql = f"""
            WITH names AS (
                SELECT DISTINCT ON (lower(u.n) COLLATE "C") u.n AS company_name,
                       lower(u.n) COLLATE "C" AS key
                FROM unnest(%(names)s::text[]) WITH ORDINALITY AS u(n, i)
                ORDER BY lower(u.n) COLLATE "C", u.i
            ), existing AS (
                SELECT c.name_key AS key FROM {company} c
                WHERE c.tenant_id = %(tenant)s AND c.deleted_at IS NULL
                  AND c.name_key = ANY(%(keys)s::text[])
            )
            INSERT INTO {company} ({cols})
            SELECT {vals} FROM names n WHERE n.key NOT IN (SELECT key FROM existing)"""
        # Each name's company: the oldest active one with that key (as before, per name).
        self.company_ids_sql = f"""
            SELECT u.n, m.id
            FROM unnest(%(names)s::text[]) AS u(n)
            JOIN (
                SELECT DISTINCT ON (c.name_key) c.name_key AS key, c.id
                FROM {company} c
                WHERE c.tenant_id = %(tenant)s AND c.name_key = ANY(%(keys)s::text[])
                  AND c.deleted_at IS NULL
                ORDER BY c.name_key, c.id
            ) m ON m.key = lower(u.n) COLLATE "C"
        """

        has_updates = bool(self.plain or self.custom_keys or self.has_company)
        self.update_sql = self._update_sql() if has_updates else ""

        contact_insert = self._contact_insert()
        link = _table(ContactCompany)
        cols, vals, params = _insert_parts(
            ContactCompany,
            {
                "tenant_id": "%(tenant)s",
                "contact_id": "s.contact_id",
                "company_id": "s.company_id",
                "is_primary": "true",
            },
        )
        self.params_base.update({f"link_{k}": v for k, v in params.items()})
        link_cols, link_vals = cols, vals.replace("%(default_", "%(link_default_")
        # Matched contacts: demote another primary link, add or promote this one. (Not split like
        # the contact UPDATE: a probe per row on crm_contactcompany is not safe under stale tenant
        # statistics — the planner probes through contactcompany_company_idx, whose leading
        # tenant_id it then reads in full per row.)
        self.link_sql = f"""
            WITH demoted AS (
                UPDATE {link} l SET is_primary = false FROM {STAGE} s
                WHERE l.tenant_id = %(tenant)s AND l.contact_id = ANY(%(ids)s::bigint[])
                  AND l.contact_id = s.contact_id
                  AND s.company_id IS NOT NULL AND l.company_id <> s.company_id AND l.is_primary
            )
            INSERT INTO {link} ({link_cols})
            SELECT {link_vals} FROM {STAGE} s
            WHERE s.company_id IS NOT NULL AND s.contact_id IS NOT NULL
            ON CONFLICT (contact_id, company_id) DO UPDATE SET is_primary = true
            WHERE NOT {link}.is_primary"""

        tag = _table(Tag)
        cols, vals, params = _insert_parts(Tag, {"tenant_id": "%(tenant)s", "name": "t.name"})
        self.params_base.update({f"tag_{k}": v for k, v in params.items()})
        vals = vals.replace("%(default_", "%(tag_default_")
        self.tag_create_sql = f"""
            INSERT INTO {tag} ({cols})
            SELECT {vals} FROM (
                SELECT DISTINCT ON (lower(u.n)) u.n AS name
                FROM unnest(%(tag_names)s::text[]) WITH ORDINALITY AS u(n, i)
                ORDER BY lower(u.n), u.i
            ) t
            ON CONFLICT DO NOTHING"""
        # Tags are few per tenant: one pass over them (lower() is not leakproof, no index).
        self.tag_ids_sql = f"""
            SELECT u.n, g.id FROM unnest(%(tag_names)s::text[]) AS u(n)
            JOIN {tag} g ON g.tenant_id = %(tenant)s AND lower(g.name) = lower(u.n)"""
        contact_tag = _table(ContactTag)
        cols, vals, params = _insert_parts(
            ContactTag,
            {"tenant_id": "%(tenant)s", "contact_id": "s.contact_id", "tag_id": "t.tag_id"},
        )
        tag_cols, tag_vals = cols, vals
        self.tag_link_sql = f"""
            INSERT INTO {contact_tag} ({tag_cols})
            SELECT DISTINCT {tag_vals}
            FROM {STAGE} s CROSS JOIN LATERAL unnest(s.tag_ids) AS t(tag_id)
            WHERE s.contact_id IS NOT NULL
            ON CONFLICT DO NOTHING"""

        # New contacts: ids drawn in the statement (in row order) and their company link and
        # tags written from the same rows — no UPDATE of the staging table, no conflicts
        # possible on ids that did not exist.
        parts = [f"contacts AS ({contact_insert})"]
        if self.has_company:
            parts.append(
                f"links AS (INSERT INTO {link} ({link_cols}) SELECT {link_vals}"
                " FROM new s WHERE s.company_id IS NOT NULL)"
            )
        if self.has_tags:
            parts.append(
                f"tags AS (INSERT INTO {contact_tag} ({tag_cols}) SELECT DISTINCT {tag_vals}"
                " FROM new s CROSS JOIN LATERAL unnest(s.tag_ids) AS t(tag_id))"
            )
        stage_names = ", ".join(f"s.{name}" for name, _kind in STAGE_COLUMNS)
        self.insert_sql = f"""
            WITH new AS MATERIALIZED (
                SELECT nextval(pg_get_serial_sequence('{Contact._meta.db_table}', 'id'))
                       AS contact_id, {stage_names}
                FROM {STAGE} s WHERE s.contact_id IS NULL ORDER BY s.row_no
            ), {", ".join(parts)}
            SELECT 1"""

        self.progress_sql = f"""
            UPDATE {_table(ImportJob)} SET processed_rows = GREATEST(processed_rows, %(processed)s),
                created_count = created_count + %(created)s,
                updated_count = updated_count + %(updated)s,
                unchanged_count = unchanged_count + %(unchanged)s,
                rejected_count = rejected_count + %(rejected)s
            WHERE id = %(job)s AND tenant_id = %(tenant)s"""

    def _contact_insert(self) -> str:
        provided = {
            "id": "s.contact_id",
            "tenant_id": "%(tenant)s",
            "owner_id": "%(user)s",
            "created_by_id": "%(user)s",
            "created_at": "now()",
            "updated_at": "now()",
            "custom": "s.custom",
        }
        for name in PLAIN_FIELDS:
            provided[name] = f"s.{name}"
        provided["lifecycle_stage"] = "COALESCE(NULLIF(s.lifecycle_stage, ''), %(default_stage)s)"
        self.params_base["default_stage"] = Contact._meta.get_field("lifecycle_stage").get_default()
        if self.has_company:
            provided["company_id"] = "s.company_id"
        cols, vals, params = _insert_parts(Contact, provided)
        self.params_base.update(params)
        return f"INSERT INTO {_table(Contact)} ({cols}) SELECT {vals} FROM new s"

    @staticmethod
    def _probe(table: str, alias: str, columns: str, key: str, condition: str, result: str) -> str:
        """``array_agg(result)`` over the staged matched rows whose row in ``table`` (looked up
        by ``key = s.contact_id``) meets ``condition``.

        The lookup is a LATERAL subquery kept apart by ``OFFSET 0``, so it can only run as the
        inner side of a nested loop, once per staged row. Joined any other way, the planner
        reaches the table through the tenant: a tenant's statistics lag behind during and after
        a big import (a new tenant is not among the most common values, so it is estimated at a
        few rows) and it reads all the tenant's rows per chunk. Only for a unique key (the
        primary key) is the probe itself safe: it is cheaper than any index leading with
        tenant_id even at that estimate — a non-unique key (crm_contactcompany.contact_id) loses
        to contactcompany_company_idx and reads the tenant once per row."""
        return f"""
            SELECT array_agg({result}) FROM {STAGE} s
            CROSS JOIN LATERAL (
                SELECT {columns} FROM {table} {alias}
                WHERE {alias}.tenant_id = %(tenant)s AND {key} = s.contact_id OFFSET 0
            ) {alias}
            WHERE s.contact_id IS NOT NULL AND {condition}"""

    def _update_sql(self) -> str:
        contact = _table(Contact)
        new_values: list[tuple[str, str]] = []  # (column, expression)
        for name in self.plain:
            new_values.append((name, f"COALESCE(NULLIF(s.{name}, ''), c.{name})"))
        if self.has_company:
            new_values.append(("company_id", "COALESCE(s.company_id, c.company_id)"))
        if self.custom_keys:
            new_values.append(("custom", "c.custom || s.custom"))
        columns = [column for column, _e in new_values]
        old_list = ", ".join(f"c.{column}" for column in columns)
        new_list = ", ".join(expression for _c, expression in new_values)
        assignments = ", ".join(f"{column} = {expression}" for column, expression in new_values)

        # History rows: one per changed field, text values as crm.history stores them.
        history_values: list[str] = []
        for name in self.plain:
            history_values.append(f"('{name}', o.{name}::text, u.{name}::text)")
        if self.has_company:
            history_values.append(
                "('company', oc.name || ' (#' || oc.id || ')', nc.name || ' (#' || nc.id || ')')"
            )
        for index, key in enumerate(self.custom_keys):
            self.params_base[f"ckey{index}"] = key
            self.params_base[f"cfield{index}"] = f"custom.{key}"
            history_values.append(
                f"(%(cfield{index})s, o.custom ->> %(ckey{index})s, u.custom ->> %(ckey{index})s)"
            )
        company_joins = ""
        if self.has_company:
            company = _table(Company)
            company_joins = (
                f" LEFT JOIN {company} oc ON oc.id = o.company_id"
                f" LEFT JOIN {company} nc ON nc.id = u.company_id"
            )
        cols, vals, params = _insert_parts(
            FieldChange,
            {
                "tenant_id": "%(tenant)s",
                "entity": "'contact'",
                "object_id": "u.id",
                "field": "v.field",
                "old_value": "COALESCE(v.old, '')",
                "new_value": "COALESCE(v.new, '')",
                "source": f"'{FieldChange.Source.IMPORT}'",
                "actor_id": "%(user)s",
                "changed_at": "now()",
            },
        )
        self.params_base.update({f"hist_{k}": v for k, v in params.items()})
        vals = vals.replace("%(default_", "%(hist_default_")
        # The matched contacts whose values change: read-only, one primary-key probe per row.
        self.changed_ids_sql = self._probe(
            contact,
            "c",
            old_list,
            "c.id",
            f"({old_list}) IS DISTINCT FROM ({new_list})",
            "s.contact_id",
        )
        return f"""
            WITH old AS (
                SELECT c.id, {old_list} FROM {contact} c
                WHERE c.tenant_id = %(tenant)s AND c.id = ANY(%(ids)s::bigint[])
            ), u AS (
                UPDATE {contact} c SET {assignments}, updated_at = now()
                FROM {STAGE} s
                WHERE c.tenant_id = %(tenant)s AND c.id = ANY(%(ids)s::bigint[])
                  AND s.contact_id = c.id
                  AND ({old_list}) IS DISTINCT FROM ({new_list})
                RETURNING c.id, {", ".join(f"c.{column}" for column in columns)}
            ), history AS (
                INSERT INTO {_table(FieldChange)} ({cols})
                SELECT {vals}
                FROM u JOIN old o ON o.id = u.id{company_joins}
                CROSS JOIN LATERAL (VALUES {", ".join(history_values)}) AS v(field, old, new)
                WHERE v.old IS DISTINCT FROM v.new
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM history)"""

    # --- loading ----------------------------------------------------------------------------

    def load(
        self, rows: list[tuple[Any, ...]], *, processed: int, rejected_before: int = 0
    ) -> ChunkResult:
        """Write one chunk (rows start with their row number) and the job's progress in one
        transaction. ``rejected_before``: rows of this chunk already rejected by validation."""
        result = ChunkResult(last_row_index=processed)
        params = dict(self.params_base)
        if rows and (self.has_company or self.has_tags):
            self._ensure_references(rows, params)
        with transaction.atomic(), connection.cursor() as cursor:
            self._begin(cursor)
            if rows:
                self._load_rows(cursor, rows, params, result)
            cursor.execute(
                self.progress_sql,
                {
                    "processed": processed,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "rejected": len(result.rejected) + rejected_before,
                    "job": self.job_id,
                    "tenant": self.tenant_id,
                },
            )
        return result

    def _begin(self, cursor: Any) -> None:
        # A statement through Django first: the backend binds the tenant for the transaction.
        cursor.execute("SELECT set_config('kontor.tenant_id', %s, true)", [str(self.tenant_id)])
        # A lost last chunk after a crash is harmless: the job is re-run and rows match.
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Hash joins between the staging table and the big tables: statistics of a tenant
        # that is being filled lag behind, and a nested loop planned on "this tenant has five
        # contacts" reads the tenant's rows once per staged row.
        cursor.execute("SET LOCAL enable_nestloop = off")
        # Disabling nested loops inflates plan costs past jit_above_cost, and LLVM compiling
        # a chunk's statements (inlining + optimisation) takes seconds for millisecond work.
        cursor.execute("SET LOCAL jit = off")

    def _ensure_references(self, rows: list[tuple[Any, ...]], params: dict[str, Any]) -> None:
        """Resolve the chunk's company and tag names to ids, creating those that do not exist
        yet (committed before the chunk: harmless if the chunk then fails, the retry needs them
        too). Ids are cached for the job: a file names the same companies again and again."""
        companies = self.company_ids
        tags = self.tag_ids
        # In file order: of several spellings of a new name, the first one in the file is kept.
        new_companies = (
            [n for n in dict.fromkeys(row[COMPANY] for row in rows) if n and n not in companies]
            if self.has_company
            else []
        )
        new_tags = (
            [t for t in dict.fromkeys(t for row in rows for t in row[TAGS]) if t not in tags]
            if self.has_tags
            else []
        )
        if not new_companies and not new_tags:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            self._begin(cursor)
            cursor.execute(self.company_lock_sql, params)
            if new_companies:
                cursor.execute(self.company_keys_sql, {"names": new_companies})
                keys = cursor.fetchone()[0]
                names = {**params, "names": new_companies, "keys": keys}
                cursor.execute(self.company_create_sql, names)
                cursor.execute(self.company_ids_sql, names)
                companies.update(cursor.fetchall())
            if new_tags:
                cursor.execute(self.tag_create_sql, {**params, "tag_names": new_tags})
                cursor.execute(self.tag_ids_sql, {**params, "tag_names": new_tags})
                tags.update(cursor.fetchall())

    def _stage_rows(self, rows: list[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
        """Rows as staged: company and tag names replaced by their ids."""
        companies = self.company_ids
        tags = self.tag_ids
        # Array literals ("{3,7}") as text, cached per tag list: psycopg's list dumper costs
        # more per row than the rest of the row together.
        literals: dict[tuple[str, ...], str] = {(): "{}"}
        for row in rows:
            name = row[COMPANY]
            row_tags = tuple(row[TAGS])
            literal = literals.get(row_tags)
            if literal is None:
                literal = "{" + ",".join(str(tags[t]) for t in row_tags) + "}"
                literals[row_tags] = literal
            yield (
                *row[:COMPANY],
                companies[name] if name else None,
                literal,
                *row[TAGS + 1 :],
            )

    @staticmethod
    def _match(cursor: Any, keys_sql: str, match_sql: str, params: dict[str, Any]) -> None:
        cursor.execute(keys_sql)
        keys = cursor.fetchone()[0]
        if keys:
            cursor.execute(match_sql, {**params, "keys": keys})

    def _load_rows(
        self, cursor: Any, rows: list[tuple[Any, ...]], params: dict[str, Any], result: ChunkResult
    ) -> None:
        cursor.execute(self.create_stage_sql)
        with cursor.cursor.copy(self.copy_sql) as copy:
            for row in self._stage_rows(rows):
                copy.write_row(row)
        if self.check_suppressions:
            cursor.execute(self.suppress_sql, params)
            for (row_no,) in cursor.fetchall():
                result.rejected.append((row_no, "suppressed"))
        self._match(cursor, self.stage_email_keys_sql, self.match_email_sql, params)
        if self.secondary == "phone":
            self._match(cursor, self.stage_secondary_keys_sql, self.match_secondary_sql, params)
        elif self.match_secondary_sql:
            cursor.execute(self.match_secondary_sql, params)
        if self.match_secondary_sql:
            cursor.execute(self.same_contact_sql)
            for row_no, first in cursor.fetchall():
                result.rejected.append((row_no, f"same_contact:{first}"))
            cursor.execute(self.nameless_sql)
            for (row_no,) in cursor.fetchall():
                result.rejected.append((row_no, "nameless"))
        # The matched contacts' ids as an array: statements on the big tables select by
        # ``id = ANY(…)`` and hash-join the staging table, so a plan reads at most the tenant's
        # rows once per chunk, however stale the statistics.
        cursor.execute(self.matched_ids_sql)
        ids, result.created = cursor.fetchone()
        ids = ids or []
        params = {**params, "ids": ids}
        if self.update_sql and ids:
            cursor.execute(self.changed_ids_sql, params)
            changed = cursor.fetchone()[0]
            if changed:
                cursor.execute(self.update_sql, {**params, "ids": changed})
                result.updated = cursor.fetchone()[0]
        result.unchanged = len(ids) - result.updated
        if ids and self.has_company:
            cursor.execute(self.link_sql, params)
        if ids and self.has_tags:
            cursor.execute(self.tag_link_sql, params)
        if result.created:
            cursor.execute(self.insert_sql, params)
