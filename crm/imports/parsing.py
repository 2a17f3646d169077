"""Reading uploaded CSV and XLSX files: format, encoding and delimiter detection, a full
structural check at upload time, and streaming row iteration for the import job.

* CSV: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 (Latin-1 for the five
  bytes cp1252 leaves undefined); comma, semicolon, tab or pipe delimiters; quoted fields
  (RFC 4180, as the ``csv`` module reads them).
* XLSX: the first worksheet, read with openpyxl in read-only mode.

Everything that makes a file unusable raises ``ImportFileError`` with a message for people —
before any row is written. Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import decimal
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

HEAD_BYTES = 64 * 1024
SAMPLE_ROWS = 20
DELIMITERS = (",", ";", "\t", "|")
MAX_HEADER_COLUMNS = 500
RAGGED_EXAMPLES = 5
# Big enough for any sane cell, small enough that a stray quote cannot swallow a whole file.
csv.field_size_limit(1024 * 1024)

Opener = Callable[[], IO[bytes]]


class ImportFileError(Exception):
    """The file cannot be imported; ``str(error)`` says why, for the person who uploaded it."""


@dataclass
class FileInfo:
    file_format: str  # "csv" | "xlsx"
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    total_rows: int = 0
    sample: list[list[str]] = field(default_factory=list)


# --- detection ------------------------------------------------------------------------------


def _read_head(opener: Opener) -> bytes:
    with opener() as handle:
        return handle.read(HEAD_BYTES)


def detect_format(head: bytes) -> str:
    if not head:
        raise ImportFileError(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("Excel 97–2003 files (.xls) cannot be read. Save the sheet as .xlsx or CSV.")
        )
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!")):
        raise ImportFileError(_("This is not a CSV or Excel (.xlsx) file."))
    return "csv"


def detect_encoding(head: bytes) -> str:
    """The encoding to try first (``decode_candidates`` lists the fallbacks)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ImportFileError(
            _(
                "The file's text encoding is not recognised (it contains NUL bytes). "
                "Save it as CSV in UTF-8."
            )
        )
    try:
        # A multi-byte character may be cut at the end of the head: final=False allows that.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return _single_byte_encoding(head)


def _single_byte_encoding(data: bytes) -> str:
    # Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; Latin-1 maps every byte.
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _fallbacks(encoding: str) -> list[str]:
    if encoding == "utf-8":
        return ["utf-8", "cp1252", "latin-1"]
    if encoding == "cp1252":
        return ["cp1252", "latin-1"]
    return [encoding]


def _check_text(text: str) -> None:
    """Reject binary data that happens to decode (every byte decodes as Latin-1)."""
    if not text:
        return
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\x7f")
    if controls > max(2, len(text) // 200):
        raise ImportFileError(
            _(
                "The file's text encoding is not recognised (it looks like binary data). "
                "Save it as CSV in UTF-8."
            )
        )


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, and most consistent, columns."""
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the head may be cut off
    sample = "".join(lines[:50])
    # Prefer a delimiter that splits the header into several columns and most rows alike;
    # a one-column file takes the delimiter that leaves its rows whole.
    best, best_score = ",", (False, -1.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows if len(r) == width) / len(rows)
        score = (width >= 2 and consistent >= 0.5, consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def clean_headers(raw: list[str]) -> list[str]:
    headers: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(raw, start=1):
        name = " ".join(str(cell or "").replace("\ufeff", "").split())[:100]
        name = name or _("Column %(n)d") % {"n": index}
        key = name.lower()
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        headers.append(name)
    return headers


# --- cell values ----------------------------------------------------------------------------


def xlsx_cell_text(value: Any) -> str:
    """An XLSX cell as the text a person sees (numbers without a spurious ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(decimal.Decimal(repr(value)), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


# --- reading ----------------------------------------------------------------------------------


def _csv_records(opener: Opener, encoding: str, delimiter: str) -> Iterator[list[str]]:
    with opener() as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        try:
            yield from csv.reader(text, delimiter=delimiter, strict=False)
        finally:
            text.detach()


def _xlsx_records(opener: Opener) -> Iterator[list[str]]:
    import openpyxl

    with opener() as raw:
        try:
            workbook = openpyxl.load_workbook(raw, read_only=True, data_only=True)
        except Exception as error:  # zipfile.BadZipFile, KeyError, InvalidFileException, …
            raise ImportFileError(
                _("This Excel file could not be read. Save it again as .xlsx or as CSV.")
            ) from error
        try:
            if not workbook.worksheets:
                raise ImportFileError(_("The Excel file has no worksheet."))
            sheet = workbook.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                yield [xlsx_cell_text(v) for v in values]
        finally:
            workbook.close()


def _records(opener: Opener, info: FileInfo) -> Iterator[list[str]]:
    if info.file_format == "xlsx":
        return _xlsx_records(opener)
    return _csv_records(opener, info.encoding, info.delimiter)


def _scan(opener: Opener, info: FileInfo, max_rows: int) -> None:
    """Read the whole file once: headers, row count, sample, ragged rows."""
    records = _records(opener, info)
    row_number = 0
    width = 0
    ragged: list[tuple[int, int]] = []
    ragged_count = 0
    total = 0
    sample: list[list[str]] = []
    is_xlsx = info.file_format == "xlsx"
    try:
        for record in records:
            row_number += 1
            if not width:
                if not any(cell.strip() for cell in record):
                    continue  # blank lines before the header
                while record and not record[-1].strip():
                    record.pop()
                if len(record) > MAX_HEADER_COLUMNS:
                    raise ImportFileError(
                        _("The file has %(n)s columns; at most %(max)s are supported.")
                        % {"n": len(record), "max": MAX_HEADER_COLUMNS}
                    )
                info.headers = clean_headers(record)
                width = len(record)
                continue
            if not any(record):
                continue
            length = len(record)
            if length != width:
                # Trailing empty cells (a delimiter at the end of a line, a formatted but empty
                # spreadsheet cell) do not count; a short XLSX row just has empty cells.
                while length > width and not record[length - 1].strip():
                    length -= 1
                if length > width or (length < width and not is_xlsx):
                    ragged_count += 1
                    if len(ragged) < RAGGED_EXAMPLES:
                        ragged.append((row_number, length))
                    continue
                if not any(cell.strip() for cell in record[:width]):
                    continue
            elif not any(cell.strip() for cell in record):
                continue
            total += 1
            if total > max_rows:
                raise ImportFileError(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": number_format(max_rows, force_grouping=True)}
                )
            if len(sample) < SAMPLE_ROWS:
                sample.append(_fit(record, width))
    except csv.Error as error:
        raise ImportFileError(
            _("Row %(row)s cannot be read (%(detail)s). Check the quoting of that row.")
            % {"row": row_number + 1, "detail": error}
        ) from error
    if not width:
        raise ImportFileError(_("The file has no header row and no data."))
    if ragged_count:
        examples = ", ".join(_("row %(row)s has %(n)s") % {"row": row, "n": n} for row, n in ragged)
        raise ImportFileError(
            ngettext(
                "%(count)s row does not have the same number of columns as the header "
                "(%(width)s): %(examples)s. Check the delimiter and that values containing "
                "it are quoted.",
                "%(count)s rows do not have the same number of columns as the header "
                "(%(width)s): %(examples)s. Check the delimiter and that values containing "
                "it are quoted.",
                ragged_count,
            )
            % {"count": ragged_count, "width": width, "examples": examples}
        )
    if total == 0:
        raise ImportFileError(_("The file has a header row but no data rows."))
    info.total_rows = total
    info.sample = sample


def _fit(record: list[str], width: int) -> list[str]:
    if len(record) >= width:
        return record[:width]
    return record + [""] * (width - len(record))


def analyse(opener: Opener, *, max_rows: int) -> FileInfo:
    """Detect the format, encoding and delimiter and check the whole file; raises
    ``ImportFileError``. Reads the file once (twice if UTF-8 turns out wrong further down)."""
    head = _read_head(opener)
    file_format = detect_format(head)
    if file_format == "xlsx":
        info = FileInfo("xlsx")
        _scan(opener, info, max_rows)
        return info
    encoding = detect_encoding(head)
    text = head.decode(encoding if encoding != "utf-16" else "utf-16", errors="ignore")
    _check_text(text)
    delimiter = detect_delimiter(text)
    last_error: UnicodeDecodeError | None = None
    for candidate in _fallbacks(encoding):
        info = FileInfo("csv", encoding=candidate, delimiter=delimiter)
        try:
            _scan(opener, info, max_rows)
            return info
        except UnicodeDecodeError as error:
            last_error = error
    raise ImportFileError(
        _("The file's text encoding is not recognised. Save it as CSV in UTF-8.")
    ) from last_error


def iter_rows(opener: Opener, info: FileInfo) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` of every data row, cells padded or cut to the header's width.
    Blank rows are skipped; the file was checked by ``analyse``."""
    width = len(info.headers)
    header_seen = False
    for row_number, record in enumerate(_records(opener, info), start=1):
        if not header_seen:
            if any(cell.strip() for cell in record):
                header_seen = True
            continue
        if not any(record):
            continue
        if len(record) != width:
            record = _fit(record, width)
        # Every cell blank (whitespace only): one join and strip in C, not a generator per row.
        if not "".join(record).strip():
            continue
        yield row_number, record
