"""``python manage.py bench``: server-side latency and query counts of the real views, and
import throughput, on the data of ``generate_data``.

    python manage.py bench [--tenant big] [--json FILE] [--only PREFIX] [--iterations 100]
                           [--warmup 10] [--import-rows 1000000]

HTTP workloads go through ``django.test.Client`` — the whole middleware stack, the view and the
template — logged in as a manager of the tenant. Each runs ``--warmup`` unmeasured requests,
then ``--iterations`` timed ones (p50 and p95 of the wall time of ``client.get``), and one more
inside ``CaptureQueriesContext`` for the SQL query count. A workload whose URL name does not
exist is reported as ``missing``, never timed.

``contacts.import`` generates a CSV of ``--import-rows`` rows (the multilingual generator of
``generate_data``), then measures upload check + import job end to end through the import
services (COPY into staging, set-based upsert), in a separate tenant (``bench-import``) whose
data is deleted before and after. ``contacts.reimport`` imports the same file again (every row
matched, nothing changes).

Workloads are a registry: other apps add theirs with ``@workload("name")``.

Run with ``DJANGO_DEBUG=0`` (with DEBUG on every query is also logged in memory).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import django
from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch
from django.utils import timezone

from accounts.models import Membership, Tenant
from accounts.roles import Role
from accounts.tenancy import tenant_context
from accounts.urls_util import tenant_reverse
from crm.models import Activity, Company, Contact, ImportJob


@dataclass
class Context:
    tenant: Tenant
    client: Client
    iterations: int
    warmup: int
    import_rows: int
    say: Callable[[str], None]
    cache: dict[str, Any] = field(default_factory=dict)


WorkloadFn = Callable[[Context], dict[str, Any]]
WORKLOADS: dict[str, WorkloadFn] = {}


def workload(name: str) -> Callable[[WorkloadFn], WorkloadFn]:
    """Register a workload: ``fn(ctx) -> {"p50_ms", "p95_ms", "queries"}`` (or other numbers)."""

    def register(fn: WorkloadFn) -> WorkloadFn:
        WORKLOADS[name] = fn
        return fn

    return register


class Missing(Exception):
    """The workload cannot run here (e.g. its view does not exist yet)."""


# --- measuring views ----------------------------------------------------------------------------


def url_for(ctx: Context, name: str, *args: Any, **query: Any) -> str:
    try:
        url = tenant_reverse(name, ctx.tenant, *args)
    except NoReverseMatch:
        raise Missing(f"URL name {name} does not exist") from None
    return url + ("?" + urlencode(query) if query else "")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = pct / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def measure(ctx: Context, urls: list[str]) -> dict[str, Any]:
    """Time GET requests cycling through ``urls``; count the queries of the first one."""
    for i in range(ctx.warmup):
        check(ctx.client.get(urls[i % len(urls)]), urls[i % len(urls)])
    timings: list[float] = []
    for i in range(ctx.iterations):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        response = ctx.client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        check(response, url)
    query_counts = []
    sql_times = []
    for url in urls[: min(len(urls), 5)]:
        with CaptureQueriesContext(connection) as queries:
            check(ctx.client.get(url), url)
        query_counts.append(len(queries.captured_queries))
        sql_times.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
    result: dict[str, Any] = {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "queries": max(query_counts),
        # Time inside the database for one request (the rest is Python: view and template).
        "sql_ms": round(statistics.median(sql_times), 2),
    }
    if min(query_counts) != max(query_counts):
        result["queries_min"] = min(query_counts)
    return result


def check(response: Any, url: str) -> None:
    if response.status_code != 200:
        raise Missing(f"GET {url} answered {response.status_code}")


def _sample_ids(ctx: Context, model: type, n: int = 40) -> list[int]:
    key = f"ids:{model.__name__}"
    if key not in ctx.cache:
        rng = random.Random(7)
        with tenant_context(ctx.tenant):
            bounds = model.objects.filter(deleted_at__isnull=True).order_by("id")
            first = bounds.values_list("id", flat=True).first()
            last = bounds.reverse().values_list("id", flat=True).first()
            ids: list[int] = []
            if first is not None:
                for _ in range(n * 3):
                    pk = (
                        bounds.filter(id__gte=rng.randint(first, last))
                        .values_list("id", flat=True)
                        .first()
                    )
                    if pk and pk not in ids:
                        ids.append(pk)
                    if len(ids) >= n:
                        break
        if not ids:
            raise Missing(f"no {model.__name__} rows in the tenant")
        ctx.cache[key] = ids
    return ctx.cache[key]


def _name_samples(ctx: Context) -> list[str]:
    if "names" not in ctx.cache:
        ids = _sample_ids(ctx, Contact)
        with tenant_context(ctx.tenant):
            names = list(
                Contact.objects.filter(id__in=ids[:20]).values_list("last_name", flat=True)
            )
        ctx.cache["names"] = [n for n in names if len(n) >= 4] or ["Smith"]
    return ctx.cache["names"]


@workload("contacts.list.page1")
def contacts_list_page1(ctx: Context) -> dict[str, Any]:
    return measure(ctx, [url_for(ctx, "crm:contact_list")])


@workload("contacts.list.deep")
def contacts_list_deep(ctx: Context) -> dict[str, Any]:
    """A page half-way through the name-sorted list, by keyset cursor."""
    from crm.selectors import lists

    with tenant_context(ctx.tenant):
        base = lists.contact_base_queryset().filter(tenant=ctx.tenant)
        total = base.count()
        middle = (
            base.order_by("last_name", "first_name", "id")
            .values_list("last_name", "first_name", "id")[total // 2 : total // 2 + 1]
            .first()
        )
    if middle is None:
        raise Missing("no contacts")
    try:
        cursor = lists._encode_cursor(list(middle), "n")
    except AttributeError:
        raise Missing("crm.selectors.lists has no cursor encoder") from None
    result = measure(ctx, [url_for(ctx, "crm:contact_list", cursor=cursor)])
    result["offset"] = total // 2
    return result


@workload("contacts.list.filtered")
def contacts_list_filtered(ctx: Context) -> dict[str, Any]:
    return measure(
        ctx,
        [
            url_for(ctx, "crm:contact_list", country="DE", stage="customer"),
            url_for(ctx, "crm:contact_list", country="FR", stage="lead", sort="-updated"),
            url_for(ctx, "crm:contact_list", stage="opportunity", sort="-created"),
        ],
    )


@workload("contacts.search.prefix")
def contacts_search_prefix(ctx: Context) -> dict[str, Any]:
    return measure(ctx, [url_for(ctx, "crm:search", q=name[:4]) for name in _name_samples(ctx)])


@workload("contacts.search.fuzzy")
def contacts_search_fuzzy(ctx: Context) -> dict[str, Any]:
    """Misspelt names (a letter swapped), so the prefix search finds nothing and the trigram
    search runs."""
    urls = []
    for name in _name_samples(ctx):
        word = name.split()[0]
        typo = word[0] + word[2] + word[1] + word[3:] if len(word) > 3 else word + "x"
        urls.append(url_for(ctx, "crm:search", q=typo))
    return measure(ctx, urls)


@workload("contacts.detail")
def contacts_detail(ctx: Context) -> dict[str, Any]:
    return measure(
        ctx, [url_for(ctx, "crm:contact_detail", pk) for pk in _sample_ids(ctx, Contact)]
    )


@workload("companies.list.page1")
def companies_list_page1(ctx: Context) -> dict[str, Any]:
    return measure(ctx, [url_for(ctx, "crm:company_list")])


@workload("companies.detail")
def companies_detail(ctx: Context) -> dict[str, Any]:
    return measure(
        ctx, [url_for(ctx, "crm:company_detail", pk) for pk in _sample_ids(ctx, Company)]
    )


# --- import throughput ---------------------------------------------------------------------------

IMPORT_TENANT = "bench-import"
VACUUMED_AFTER_IMPORT = (
    "crm_contact", "crm_company", "crm_contactcompany", "crm_contacttag", "crm_tag",
    "crm_fieldchange", "crm_importjob",
)  # fmt: skip


def write_import_csv(path: str, rows: int, seed: int = 42) -> None:
    """A realistic contact file: names, emails, phones in national and international form,
    companies, cities, countries, stages and tags."""
    from crm.management.commands.generate_data import Generator

    gen = Generator(seed)
    rng = random.Random(seed)
    companies = [gen.company(i, [])["name"] for i in range(max(rows // 20, 1))]
    stages = ["lead", "customer", "opportunity", "subscriber", ""]
    tags = ["vip", "newsletter", "trade fair", "partner", ""]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["First name", "Last name", "Email", "Phone", "Job title", "Company", "City",
             "Country", "Lifecycle stage", "Tags"]
        )  # fmt: skip
        for i in range(rows):
            c = gen.contact(i, [], [])
            writer.writerow(
                [
                    c["first_name"],
                    c["last_name"],
                    c["email"] or f"nomail.{i}@example.test",
                    c["phone"],
                    c["job_title"],
                    rng.choice(companies) if rng.random() < 0.6 else "",
                    c["city"],
                    c["country"],
                    rng.choice(stages),
                    rng.choice(tags),
                ]
            )


def _import_tenant() -> Tenant:
    from crm.management.commands.generate_data import Command as Generate

    tenant, _created = Tenant.objects.get_or_create(
        slug=IMPORT_TENANT, defaults={"name": "Import benchmark", "enabled_languages": ["en"]}
    )
    Generate.reset_tenant(tenant)
    return tenant


def _run_import(ctx: Context, tenant: Tenant, path: str) -> tuple[ImportJob, dict[str, float]]:
    from crm.imports import services

    user = Membership.objects.filter(tenant=ctx.tenant).order_by("id").first()
    actor = user.user if user else None
    phases: dict[str, float] = {}
    with tenant_context(tenant):
        started = time.perf_counter()
        with open(path, "rb") as handle:
            upload = File(handle, name="bench.csv")
            job = services.import_create(tenant=tenant, actor=actor, upload=upload)
        phases["upload_check_s"] = time.perf_counter() - started
        errors = services.import_set_mapping(
            job=job, mapping=job.mapping, match_key="email", keep_duplicate="first"
        )
        if errors:
            raise CommandError(f"import mapping: {errors}")
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
        run_started = time.perf_counter()
        job = services.import_run(job_id=job.pk)
        phases["job_s"] = time.perf_counter() - run_started
        phases["total_s"] = time.perf_counter() - started
    if job.status != ImportJob.Status.DONE:
        raise CommandError(f"import failed: {job.error}")
    return job, phases


def _import_file(ctx: Context) -> str:
    if "import_file" not in ctx.cache:
        handle = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)  # noqa: SIM115
        handle.close()
        started = time.perf_counter()
        write_import_csv(handle.name, ctx.import_rows)
        ctx.say(
            f"  wrote {ctx.import_rows:,} rows ({os.path.getsize(handle.name) / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f}s"
        )
        ctx.cache["import_file"] = handle.name
    return ctx.cache["import_file"]


def _import_result(job: ImportJob, phases: dict[str, float], rows: int) -> dict[str, Any]:
    return {
        "rows_per_s": round(rows / phases["total_s"]),
        "rows": rows,
        "seconds": round(phases["total_s"], 2),
        "upload_check_s": round(phases["upload_check_s"], 2),
        "job_s": round(phases["job_s"], 2),
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
    }


@workload("contacts.import")
def contacts_import(ctx: Context) -> dict[str, Any]:
    path = _import_file(ctx)
    tenant = _import_tenant()
    ctx.cache["import_tenant"] = tenant
    job, phases = _run_import(ctx, tenant, path)
    return _import_result(job, phases, ctx.import_rows)


@workload("contacts.reimport")
def contacts_reimport(ctx: Context) -> dict[str, Any]:
    tenant = ctx.cache.get("import_tenant")
    if tenant is None:
        raise Missing("runs after contacts.import")
    job, phases = _run_import(ctx, tenant, _import_file(ctx))
    return _import_result(job, phases, ctx.import_rows)


# --- the command --------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    memory_gb = None
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version,
        "shared_buffers": shared_buffers,
        "debug": settings.DEBUG,
    }


class Command(BaseCommand):
    help = "Measure p50/p95 latency and query counts of the main views, and import throughput."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", default="big")
        parser.add_argument("--json", dest="json_path", help="Also write the results here.")
        parser.add_argument("--only", action="append", help="Run workloads starting with this.")
        parser.add_argument("--iterations", type=int, default=100)
        parser.add_argument("--warmup", type=int, default=10)
        parser.add_argument("--import-rows", type=int, default=1_000_000)
        parser.add_argument("--keep-import-data", action="store_true")

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(
                f"No tenant {options['tenant']!r}. Run generate_data first (or pass --tenant)."
            )
        membership = (
            Membership.objects.filter(tenant=tenant, role=Role.MANAGER)
            .select_related("user")
            .first()
            or Membership.objects.filter(tenant=tenant, role__in=[Role.OWNER, Role.ADMIN])
            .select_related("user")
            .first()
        )
        if membership is None:
            raise CommandError(f"Tenant {tenant.slug} has no manager, owner or admin to log in as.")
        if settings.DEBUG:
            self.stderr.write("warning: DEBUG is on; run with DJANGO_DEBUG=0 for real numbers")
        client = Client()
        client.force_login(membership.user)
        ctx = Context(
            tenant=tenant,
            client=client,
            iterations=max(options["iterations"], 1),
            warmup=max(options["warmup"], 0),
            import_rows=options["import_rows"],
            say=self.say,
        )
        names = [
            name
            for name in WORKLOADS
            if not options["only"] or any(name.startswith(p) for p in options["only"])
        ]
        if not names:
            raise CommandError(f"No workload starts with {options['only']}.")
        with tenant_context(tenant):
            data = {
                "contacts": Contact.objects.count(),
                "companies": Company.objects.count(),
                "activities": Activity.objects.count(),
                "tenants": Tenant.objects.count(),
            }
        self.say(
            f"bench on {tenant.slug}: {data['contacts']:,} contacts, {data['companies']:,} "
            f"companies, {data['activities']:,} activities, {data['tenants']:,} tenants; "
            f"as {membership.user.email} ({membership.role})"
        )
        results = []
        try:
            for name in names:
                self.say(f"- {name} …")
                started = time.perf_counter()
                try:
                    result = {"name": name, **WORKLOADS[name](ctx)}
                except Missing as reason:
                    result = {"name": name, "missing": str(reason)}
                result["wall_s"] = round(time.perf_counter() - started, 1)
                results.append(result)
                self.say(f"  {self.describe(result)}")
        finally:
            self.cleanup(ctx, options)
        report = {
            "data": data,
            "workloads": results,
            "machine": machine_info(),
            "date": timezone.now().isoformat(timespec="seconds"),
        }
        self.print_table(results)
        if options["json_path"]:
            with open(options["json_path"], "w", encoding="utf-8") as handle:
                json.dump(report, handle, indent=2)
                handle.write("\n")
            self.say(f"wrote {options['json_path']}")

    @staticmethod
    def describe(result: dict[str, Any]) -> str:
        if "missing" in result:
            return f"missing: {result['missing']}"
        if "rows_per_s" in result:
            return f"{result['rows_per_s']:,} rows/s ({result['rows']:,} rows in {result['seconds']} s)"
        return (
            f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, {result['queries']} queries "
            f"(SQL {result['sql_ms']} ms)"
        )

    def print_table(self, results: list[dict[str, Any]]) -> None:
        self.say("")
        self.say(f"{'workload':28} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'SQL ms':>8}  note")
        for r in results:
            if "missing" in r:
                self.say(
                    f"{r['name']:28} {'—':>9} {'—':>9} {'—':>8} {'—':>8}  missing: {r['missing']}"
                )
            elif "rows_per_s" in r:
                self.say(
                    f"{r['name']:28} {'':>9} {'':>9} {'':>8} {'':>8}  {r['rows_per_s']:,} rows/s "
                    f"({r['rows']:,} rows, {r['seconds']} s)"
                )
            else:
                self.say(
                    f"{r['name']:28} {r['p50_ms']:>9.2f} {r['p95_ms']:>9.2f} {r['queries']:>8} "
                    f"{r.get('sql_ms', 0):>8.2f}"
                )

    def cleanup(self, ctx: Context, options: dict[str, Any]) -> None:
        path = ctx.cache.get("import_file")
        if path:
            os.unlink(path)
        tenant = ctx.cache.get("import_tenant")
        if tenant is not None and not options["keep_import_data"]:
            from crm.management.commands.generate_data import Command as Generate

            Generate.reset_tenant(tenant)
            Tenant.objects.filter(pk=tenant.pk).delete()
            self.vacuum()

    def vacuum(self) -> None:
        """Clear the dead rows of the deleted scratch tenant before anything else is measured:
        with autovacuum off or behind, the planner wades through a million dead index entries
        when it probes an index's end (one company page went from 60 to 150 ms, all planning)."""
        if connection.in_atomic_block:
            return  # inside a test's transaction, where VACUUM cannot run
        self.say("VACUUM (ANALYZE) after the import benchmark …")
        owner = connections["owner"] if "owner" in connections.settings else connection
        with owner.cursor() as cursor:
            for table in VACUUMED_AFTER_IMPORT:
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
