"""Contact imports: upload → map columns → preview → run as a job → report.

Public services (keyword-only; the tenant must be bound)::

    import_create(*, tenant, actor, upload) -> ImportJob          # raises ImportFileError
    import_set_mapping(*, job, mapping, match_key, keep_duplicate) -> list[str]  # errors
    import_preview(*, job, limit=20) -> list[PreviewRow]
    import_start(*, job) -> None                                    # enqueues after commit
    import_run(*, job_id) -> ImportJob                              # the job body (task)

The upload is checked completely before anything is stored in the database (size, format,
encoding, header, ragged rows, row count): a bad file writes nothing. The job then streams the
file once, validates each row in Python, and hands chunks of ``IMPORT_CHUNK_ROWS`` rows to
``crm.imports.loading.ChunkLoader`` (COPY into staging + set-based SQL), committing the job's
progress with every chunk. Outside a test transaction the database work runs in
``IMPORT_WRITERS`` threads (default 2, each with its own connection), so parsing overlaps with
PostgreSQL writing and two chunks load at once.

Settings: ``IMPORT_MAX_UPLOAD_BYTES`` (150 MB), ``IMPORT_MAX_ROWS`` (1,000,000),
``IMPORT_CHUNK_ROWS`` (10,000), ``IMPORT_WRITERS`` (2).

Re-running a file never creates duplicates: rows match existing contacts by email
(case-insensitive), else by the job's secondary key (phone or a custom field).
"""

from __future__ import annotations

import contextvars
import csv
import logging
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import Tenant
from crm.exports import neutralise
from crm.imports.fields import (
    CUSTOM_PREFIX,
    clean_mapping,
    header_signature,
    suggest_mapping,
    target_label,
)
from crm.imports.loading import ChunkLoader, ChunkResult
from crm.imports.parsing import FileInfo, ImportFileError, analyse, iter_rows
from crm.imports.validation import RowValidator, neutralised
from crm.models import ColumnMappingMemory, CustomFieldDefinition, Entity, ImportJob, Suppression
from crm.services.custom_fields import CustomFieldCleaner, definitions_for

logger = logging.getLogger(__name__)

ENTITY = Entity.CONTACT


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 150 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 1_000_000))


def chunk_rows() -> int:
    return int(getattr(settings, "IMPORT_CHUNK_ROWS", 10_000))


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def too_large_message() -> str:
    return _("The file is larger than %(max)s. Split it into smaller files.") % {
        "max": human_size(max_upload_bytes())
    }


# --- upload ----------------------------------------------------------------------------------


def _opener(path: str) -> Callable[[], IO[bytes]]:
    return lambda: default_storage.open(path, "rb")


def import_create(*, tenant: Tenant, actor: Any, upload: Any) -> ImportJob:
    """Store and check an uploaded file; returns the job (status ``uploaded``) with a suggested
    or remembered column mapping. Raises ``ImportFileError``; nothing is kept then."""
    size = int(getattr(upload, "size", 0) or 0)
    if size > max_upload_bytes():
        raise ImportFileError(too_large_message())
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    job = ImportJob(
        tenant=tenant,
        original_filename=os.path.basename(str(getattr(upload, "name", "") or "upload"))[:255],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        file_size=size,
    )
    upload.seek(0)
    stored = default_storage.save(f"imports/{tenant.pk}/{job.uuid}.upload", upload)
    try:
        info = analyse(_opener(stored), max_rows=max_rows())
    except ImportFileError:
        default_storage.delete(stored)
        raise
    except Exception as error:
        default_storage.delete(stored)
        logger.exception("import analysis failed")
        raise ImportFileError(_("The file could not be read.")) from error
    job.stored_path = stored
    job.file_format = info.file_format
    job.encoding = info.encoding
    job.delimiter = info.delimiter
    job.headers = info.headers
    job.total_rows = info.total_rows
    definitions = definitions_for(tenant, ENTITY)
    remembered = remembered_mapping(headers=info.headers)
    if remembered:
        job.mapping, _errors = clean_mapping(remembered, info.headers, definitions)
    else:
        job.mapping = suggest_mapping(info.headers, definitions)
    job.save()
    return job


def remembered_mapping(*, headers: list[str]) -> dict[str, str]:
    memory = ColumnMappingMemory.objects.filter(
        entity=ENTITY, header_signature=header_signature(headers)
    ).first()
    if memory is None:
        return {}
    # Stored by header name, so a file with the same columns in another order maps too.
    by_name = {str(name).lower(): target for name, target in memory.mapping.items()}
    return {
        str(index): by_name[header.lower()]
        for index, header in enumerate(headers)
        if header.lower() in by_name
    }


def match_key_choices(definitions: list[CustomFieldDefinition]) -> list[tuple[str, str]]:
    choices = [("email", _("Email only")), ("phone", _("Email, else phone number"))]
    choices += [
        (f"{CUSTOM_PREFIX}{d.key}", _("Email, else %(label)s") % {"label": d.label})
        for d in definitions
    ]
    return choices


def import_set_mapping(
    *, job: ImportJob, mapping: Mapping[str, str], match_key: str, keep_duplicate: str
) -> list[str]:
    """Validate and save the mapping and options; remembers the mapping for this header set.
    Returns errors (nothing is saved when there are any)."""
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.MAPPED):
        return [_("This import has already been started.")]
    definitions = definitions_for(job.tenant, ENTITY)
    cleaned, errors = clean_mapping(mapping, job.headers, definitions)
    valid_keys = {key for key, _label in match_key_choices(definitions)}
    if match_key not in valid_keys:
        errors.append(_("Choose how rows are matched to existing contacts."))
    elif match_key == "phone" and not {"phone", "mobile"} & set(cleaned.values()):
        errors.append(_("Map a phone or mobile column to match on phone numbers."))
    elif match_key.startswith(CUSTOM_PREFIX) and match_key not in cleaned.values():
        errors.append(_("Map the column of the field you match on."))
    if keep_duplicate not in ImportJob.KeepDuplicate.values:
        errors.append(_("Choose which of several rows with the same email is kept."))
    if errors:
        return errors
    job.mapping = cleaned
    job.match_key = match_key
    job.keep_duplicate = keep_duplicate
    job.status = ImportJob.Status.MAPPED
    job.save(update_fields=["mapping", "match_key", "keep_duplicate", "status"])
    ColumnMappingMemory.objects.update_or_create(
        tenant=job.tenant,
        entity=ENTITY,
        header_signature=header_signature(job.headers),
        defaults={
            "mapping": {job.headers[int(i)]: target for i, target in cleaned.items()},
            "updated_at": timezone.now(),
        },
    )
    return []


# --- preview ----------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    row_number: int
    cells: list[str]
    errors: list[str]


def _file_info(job: ImportJob) -> FileInfo:
    return FileInfo(
        job.file_format,
        encoding=job.encoding,
        delimiter=job.delimiter,
        headers=list(job.headers),
        total_rows=job.total_rows,
    )


def _validator(job: ImportJob) -> RowValidator:
    definitions = definitions_for(job.tenant, ENTITY)
    has_custom = any(t.startswith(CUSTOM_PREFIX) for t in job.mapping.values())
    cleaner = CustomFieldCleaner(job.tenant, ENTITY, definitions) if has_custom else None
    labels = {target: target_label(target, definitions) for target in job.mapping.values()}
    return RowValidator(
        mapping=job.mapping, match_key=job.match_key, custom_cleaner=cleaner, labels=labels
    )


def import_preview(*, job: ImportJob, limit: int = 20) -> list[PreviewRow]:
    """The first ``limit`` rows with their row-level errors (nothing is written)."""
    validator = _validator(job)
    rows: list[PreviewRow] = []
    for row_number, cells in iter_rows(_opener(job.stored_path), _file_info(job)):
        result = validator.validate(cells)
        rows.append(PreviewRow(row_number, cells, result.errors))
        if len(rows) >= limit:
            break
    return rows


# --- running -----------------------------------------------------------------------------------


def import_start(*, job: ImportJob) -> bool:
    """Queue the job (once); the task is sent after the transaction commits."""
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.MAPPED).update(
        status=ImportJob.Status.QUEUED
    )
    if not updated:
        return False
    job.status = ImportJob.Status.QUEUED
    from crm.imports.tasks import run_import

    tenant_id, job_id = job.tenant_id, job.pk
    transaction.on_commit(lambda: run_import.delay(tenant_id=tenant_id, job_id=job_id))
    return True


def import_retry(*, job: ImportJob) -> bool:
    """Run a failed job again (the file is kept for failed jobs; rows already written are
    matched, not duplicated)."""
    if job.status != ImportJob.Status.FAILED or not job.stored_path:
        return False
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.MAPPED, error="")
    job.status = ImportJob.Status.MAPPED
    return import_start(job=job)


class RejectsWriter:
    """The rejected rows as CSV: the row number, the original cells and the reason."""

    def __init__(self, headers: list[str]) -> None:
        self.file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in close()
            mode="w+", encoding="utf-8-sig", newline="", suffix=".csv"
        )
        self.writer = csv.writer(self.file)
        self.writer.writerow([_("row"), *(neutralise(h) for h in headers), _("reason")])
        self.lock = threading.Lock()
        self.count = 0

    def add(self, row_number: int, cells: list[str], reason: str) -> None:
        with self.lock:
            self.writer.writerow([row_number, *(neutralise(c) for c in cells), reason])
            self.count += 1

    def save(self, name: str) -> str:
        self.file.flush()
        self.file.seek(0)
        with open(self.file.name, "rb") as handle:
            return default_storage.save(name, File(handle))

    def close(self) -> None:
        self.file.close()


def _db_reject_reason(code: str) -> str:
    if code == "suppressed":
        return _("This address was erased and is suppressed; it is never imported again.")
    if code.startswith("same_contact:"):
        return _("Duplicate in file: matches the same contact as row %(row)s.") % {
            "row": code.split(":", 1)[1]
        }
    if code == "nameless":
        return _("Enter a name or an email address.")
    return code


@dataclass
class _Chunk:
    rows: list[tuple[Any, ...]]
    cells: dict[int, list[str]]
    processed: int
    rejected_before: int


class _Pipeline:
    """Runs ``ChunkLoader.load`` inline, or in ``writers`` threads, each with its own database
    connection, so parsing overlaps with loading and chunks load in parallel."""

    def __init__(
        self,
        loader: ChunkLoader,
        on_result: Callable[[_Chunk, ChunkResult], None],
        writers: int,
    ) -> None:
        self.loader = loader
        self.on_result = on_result
        self.writers = writers
        self.errors: list[BaseException] = []
        self.threads: list[threading.Thread] = []
        if writers:
            self.queue: queue.Queue[_Chunk | None] = queue.Queue(maxsize=writers + 1)
            for _ in range(writers):
                context = contextvars.copy_context()
                thread = threading.Thread(target=context.run, args=(self._work,), daemon=True)
                thread.start()
                self.threads.append(thread)

    def _load(self, chunk: _Chunk) -> None:
        result = self.loader.load(
            chunk.rows, processed=chunk.processed, rejected_before=chunk.rejected_before
        )
        self.on_result(chunk, result)

    def _work(self) -> None:
        try:
            while True:
                chunk = self.queue.get()
                if chunk is None:
                    return
                if not self.errors:
                    self._load(chunk)
        except BaseException as error:
            self.errors.append(error)
            while self.queue.get() is not None:  # keep draining until told to stop
                pass
        finally:
            connections.close_all()

    def put(self, chunk: _Chunk) -> None:
        if not self.writers:
            self._load(chunk)
            return
        if self.errors:
            raise self.errors[0]
        self.queue.put(chunk)

    def finish(self) -> None:
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]


def _raw_key_columns(job: ImportJob, validator: RowValidator) -> tuple[int | None, int | None]:
    email_index = validator.columns.get("email")
    secondary = None
    if job.match_key == "phone":
        secondary = validator.columns.get("phone", validator.columns.get("mobile"))
    elif job.match_key.startswith(CUSTOM_PREFIX):
        secondary = validator.columns.get(job.match_key)
    return email_index, secondary


def _raw_key(cells: list[str], email_index: int | None, secondary: int | None) -> str:
    """A row's main de-duplication key from its raw cells (no validation), for the quick pass
    of "keep the last row": the email address, else the match value."""
    if email_index is not None:
        email = neutralised(cells[email_index].strip()).lower()
        if email:
            return email
    if secondary is not None:
        value = "".join(neutralised(cells[secondary]).split()).lower()
        if value:
            return "\x00" + value
    return ""


def _last_rows(job: ImportJob, validator: RowValidator) -> dict[str, int]:
    """For "keep the last row": the last row number of every email (and match value) in the
    file, from a pass that reads only those columns."""
    email_index, secondary = _raw_key_columns(job, validator)
    last: dict[str, int] = {}
    for row_number, cells in iter_rows(_opener(job.stored_path), _file_info(job)):
        key = _raw_key(cells, email_index, secondary)
        if key:
            last[key] = row_number
    return last


def _writers() -> int:
    """Loader threads: ``IMPORT_WRITERS`` (default 2), none inside a transaction (tests), whose
    uncommitted rows other connections could not see."""
    if connection.in_atomic_block:
        return 0
    return max(0, int(getattr(settings, "IMPORT_WRITERS", 2)))


def import_run(*, job_id: int) -> ImportJob:
    """Run an import job to the end (the body of ``crm.imports.tasks.run_import``)."""
    job = ImportJob.objects.select_related("tenant", "created_by").get(pk=job_id)
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return job
    language = (job.created_by.language if job.created_by else "") or job.tenant.default_language
    with translation.override(language):
        try:
            _run(job)
        except Exception as error:
            logger.exception("import %s failed", job.pk)
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.FAILED,
                finished_at=timezone.now(),
                error=_(
                    "The import stopped because of an unexpected error (%(error)s). Rows "
                    "before the error were imported; run it again to finish — rows already "
                    "imported are matched, not duplicated."
                )
                % {"error": type(error).__name__},
            )
    job.refresh_from_db()
    return job


def _run(job: ImportJob) -> None:
    started = timezone.now()
    # A retried job starts again from the first row: matching makes that safe.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        started_at=started,
        processed_rows=0,
        created_count=0,
        updated_count=0,
        unchanged_count=0,
        rejected_count=0,
        error="",
    )
    validator = _validator(job)
    loader = ChunkLoader(
        tenant_id=job.tenant_id,
        job_id=job.pk,
        targets=job.mapping.values(),
        match_key=job.match_key,
        user_id=job.created_by_id,
        check_suppressions=Suppression.objects.exists(),
    )
    rejects = RejectsWriter(job.headers)
    try:
        _stream(job, validator, loader, rejects)
        rejects_path = ""
        if rejects.count:
            rejects_path = rejects.save(f"imports/{job.tenant_id}/{job.uuid}-rejected.csv")
    finally:
        rejects.close()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        finished_at=timezone.now(),
        rejects_path=rejects_path,
        rejected_count=rejects.count,
        processed_rows=job.total_rows,
        stored_path="",
    )
    # The uploaded file is personal data: keep it only as long as the job needs it.
    default_storage.delete(job.stored_path)


def _stream(
    job: ImportJob, validator: RowValidator, loader: ChunkLoader, rejects: RejectsWriter
) -> None:
    size = chunk_rows()
    keep_last = job.keep_duplicate == ImportJob.KeepDuplicate.LAST
    last = _last_rows(job, validator) if keep_last else {}
    email_index, secondary_index = _raw_key_columns(job, validator)
    seen: dict[str, int] = {}
    duplicate = _("Duplicate in file: the same contact is in row %(row)s, which is kept.")

    def on_result(chunk: _Chunk, result: ChunkResult) -> None:
        for row_number, code in result.rejected:
            rejects.add(row_number, chunk.cells[row_number], _db_reject_reason(code))

    pipeline = _Pipeline(loader, on_result, writers=_writers())
    rows: list[tuple[Any, ...]] = []
    cells_by_row: dict[int, list[str]] = {}
    rejected = 0
    processed = 0
    validate = validator.validate
    try:
        for row_number, cells in iter_rows(_opener(job.stored_path), _file_info(job)):
            processed += 1
            result = validate(cells)
            if result.values is None:
                rejects.add(row_number, cells, "; ".join(result.errors))
                rejected += 1
            else:
                kept = None
                for key in result.keys:
                    kept = seen.get(key)
                    if kept is not None:
                        break
                if kept is None and keep_last:
                    final = last.get(_raw_key(cells, email_index, secondary_index), row_number)
                    if final > row_number:
                        kept = final
                if kept is not None:
                    rejects.add(row_number, cells, duplicate % {"row": kept})
                    rejected += 1
                else:
                    for key in result.keys:
                        seen[key] = row_number
                    rows.append((row_number, *result.values))
                    cells_by_row[row_number] = cells
            if len(rows) >= size:
                pipeline.put(_Chunk(rows, cells_by_row, processed, rejected))
                rows, cells_by_row, rejected = [], {}, 0
        pipeline.put(_Chunk(rows, cells_by_row, processed, rejected))
    finally:
        pipeline.finish()


# --- reading results -----------------------------------------------------------------------


def rejects_iter(job: ImportJob) -> Iterator[bytes]:
    with default_storage.open(job.rejects_path, "rb") as handle:
        while block := handle.read(64 * 1024):
            yield block


def summary_line(job: ImportJob) -> str:
    return _(
        "%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected"
    ) % {
        "created": number_format(job.created_count, force_grouping=True),
        "updated": number_format(job.updated_count, force_grouping=True),
        "unchanged": number_format(job.unchanged_count, force_grouping=True),
        "rejected": number_format(job.rejected_count, force_grouping=True),
    }


def rows_per_second(job: ImportJob) -> float | None:
    if job.started_at and job.finished_at and job.finished_at > job.started_at:
        return job.total_rows / (job.finished_at - job.started_at).total_seconds()
    return None


__all__ = [
    "ImportFileError",
    "PreviewRow",
    "import_create",
    "import_preview",
    "import_retry",
    "import_run",
    "import_set_mapping",
    "import_start",
    "max_rows",
    "max_upload_bytes",
    "rejects_iter",
    "remembered_mapping",
]


# --- housekeeping ---------------------------------------------------------------------------------

UPLOAD_KEEP_DAYS = 7
REJECTS_KEEP_DAYS = 30


def import_purge_files(*, now: Any = None) -> int:
    """Delete files that hold personal data longer than needed, in the bound tenant: uploads of
    jobs never started (after ``UPLOAD_KEEP_DAYS``; the job is marked failed) and rejected-row
    files (after ``REJECTS_KEEP_DAYS``). Returns the number of files deleted."""
    import datetime

    now = now or timezone.now()
    deleted = 0
    stale = ImportJob.objects.filter(
        created_at__lt=now - datetime.timedelta(days=UPLOAD_KEEP_DAYS),
        status__in=[
            ImportJob.Status.UPLOADED,
            ImportJob.Status.MAPPED,
            ImportJob.Status.FAILED,
        ],
    ).exclude(stored_path="")
    for job in stale:
        default_storage.delete(job.stored_path)
        deleted += 1
    stale.update(
        stored_path="",
        status=ImportJob.Status.FAILED,
        error=_("The uploaded file was deleted after %(days)s days without being imported.")
        % {"days": UPLOAD_KEEP_DAYS},
    )
    old_rejects = ImportJob.objects.filter(
        finished_at__lt=now - datetime.timedelta(days=REJECTS_KEEP_DAYS)
    ).exclude(rejects_path="")
    for job in old_rejects:
        default_storage.delete(job.rejects_path)
        deleted += 1
    old_rejects.update(rejects_path="")
    return deleted
