"""Reading import files: encodings, delimiters, quoting, XLSX cells and every bad-file case."""

from __future__ import annotations

import codecs
import csv
import datetime
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.imports.parsing import (
    ImportFileError,
    analyse,
    detect_delimiter,
    detect_encoding,
    iter_rows,
    xlsx_cell_text,
)
from crm.imports.validation import PhoneNormaliser, RowValidator


def opener(data: bytes):  # type: ignore[no-untyped-def]
    return lambda: io.BytesIO(data)


def read(data: bytes, max_rows: int = 1000):  # type: ignore[no-untyped-def]
    info = analyse(opener(data), max_rows=max_rows)
    return info, [cells for _n, cells in iter_rows(opener(data), info)]


def write_csv(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


# --- round trips --------------------------------------------------------------------------------

UNICODE_CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
    | st.sampled_from([",", ";", '"', "\n", "\r", " ", "'", "=", "\t"]),
    max_size=30,
)
# Latin-1 letters only (no byte 0x80–0xBF): cp1252 text that can never also be valid UTF-8.
CP1252_CELL = st.text(alphabet=st.sampled_from(list("abcXYZ 019,;\"'\näöüßéèñçÄÖÜ")), max_size=30)
HEADER = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz")), min_size=1, max_size=8
)


def _table(cell):  # type: ignore[no-untyped-def]
    return st.integers(min_value=1, max_value=6).flatmap(
        lambda width: st.tuples(
            st.lists(HEADER, min_size=width, max_size=width, unique=True),
            st.lists(
                st.lists(cell, min_size=width, max_size=width).filter(
                    lambda row: any(c.strip() for c in row)
                ),
                min_size=1,
                max_size=8,
            ),
        )
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=_table(UNICODE_CELL), delimiter=st.sampled_from([",", ";"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig"]))  # fmt: skip
def test_unicode_cells_round_trip(table, delimiter, encoding) -> None:  # type: ignore[no-untyped-def]
    headers, rows = table
    data = write_csv([headers, *rows], delimiter, encoding)
    info, read_rows = read(data)
    assert info.headers == headers
    assert info.encoding in ("utf-8", "utf-8-sig")
    assert read_rows == rows
    assert info.total_rows == len(rows)
    if len(headers) > 1:
        assert info.delimiter == delimiter


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=_table(CP1252_CELL), delimiter=st.sampled_from([",", ";"]),
       encoding=st.sampled_from(["cp1252", "latin-1"]))  # fmt: skip
def test_windows_encoded_cells_round_trip(table, delimiter, encoding) -> None:  # type: ignore[no-untyped-def]
    headers, rows = table
    data = write_csv([headers, *rows], delimiter, encoding)
    _info, read_rows = read(data)
    assert read_rows == rows


def test_utf8_head_with_latin1_further_down_falls_back() -> None:
    head = "name,email\n" + "".join(f"Anna {i},a{i}@example.test\n" for i in range(5000))
    data = head.encode() + "Jürgen,j@example.test\n".encode("cp1252")
    assert len(head) > 64 * 1024
    info, rows = read(data, max_rows=10_000)
    assert info.encoding == "cp1252"
    assert rows[-1] == ["Jürgen", "j@example.test"]


def test_quoted_fields_with_delimiters_and_newlines() -> None:
    data = b'name;note\r\n"M\xc3\xbcller; Anna";"line 1\nline 2 ""quoted"""\r\n'
    info, rows = read(data)
    assert info.delimiter == ";"
    assert rows == [["Müller; Anna", 'line 1\nline 2 "quoted"']]


def test_semicolon_detected_even_when_commas_are_in_values() -> None:
    data = "Vorname;Nachname;Firma\nAnna;Schmidt;Schmidt, Müller & Co\nBen;Ode;A, B, C, D\n"
    assert detect_delimiter(data) == ";"


def test_bom_and_trailing_delimiters_and_blank_lines() -> None:
    data = (
        codecs.BOM_UTF8
        + b"email,name,\r\n\r\na@example.test,Anna,\r\n,,\r\nb@example.test,Ben,\r\n"
    )
    info, rows = read(data)
    assert info.encoding == "utf-8-sig"
    assert info.headers == ["email", "name"]
    assert rows == [["a@example.test", "Anna"], ["b@example.test", "Ben"]]


def test_duplicate_and_empty_headers_get_names() -> None:
    info, _rows = read(b"email,,email\na,b,c\n")
    assert info.headers == ["email", "Column 2", "email (2)"]


# --- bad files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"email,name\r\n", "header row but no data"),
        (b"email,name\r\n\r\n  ,  \r\n", "header row but no data"),
        (b"a,b,c\n1,2,3\n1,2\n1,2,3,4\n", "2 rows do not have the same number of columns"),
        (b"\x00\x01\x02binary\x00", "encoding is not recognised"),
        (bytes(range(1, 32)) * 200, "encoding is not recognised"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, r"\(\.xls\) cannot be read"),
        (b"%PDF-1.7\n...", "not a CSV or Excel"),
        (b"PK\x03\x04 not really a zip", "Excel file could not be read"),
        (b'a,b\n1,"' + b"x" * (2 * 1024 * 1024) + b"\n", "cannot be read"),
    ],
)
def test_bad_files_are_refused_with_a_message(data: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        analyse(opener(data), max_rows=1000)


def test_ragged_rows_message_names_the_rows() -> None:
    with pytest.raises(ImportFileError) as error:
        analyse(opener(b"a,b\n1,2\n1,2,3\n"), max_rows=10)
    assert "row 3 has 3" in str(error.value)


def test_row_limit() -> None:
    data = b"email\n" + b"".join(b"x%d@example.test\n" % i for i in range(11))
    analyse(opener(data), max_rows=11)
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        analyse(opener(data), max_rows=10)


def test_utf16_with_bom_is_read() -> None:
    data = "email\tname\na@example.test\tÄnne\n".encode("utf-16")
    info, rows = read(data)
    assert info.delimiter == "\t"
    assert rows == [["a@example.test", "Änne"]]


def test_detect_encoding() -> None:
    assert detect_encoding("Müller".encode()) == "utf-8"
    assert detect_encoding("Müller €".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"M\x81ller") == "latin-1"
    # A multi-byte character cut at the end of the sample is still UTF-8.
    assert detect_encoding("abcä".encode()[:-1]) == "utf-8"


# --- XLSX ------------------------------------------------------------------------------------------


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_cells_become_text_people_see() -> None:
    data = xlsx_bytes(
        [
            ["Email", "Phone", "Score", "Since", None],
            ["a@example.test", 4930123456, 1.5, datetime.datetime(2024, 3, 1), None],
            ["b@example.test", "+49 30 1", None],
            [None, None, None],
        ]
    )
    info, rows = read(data)
    assert info.file_format == "xlsx"
    assert info.headers == ["Email", "Phone", "Score", "Since"]
    assert rows == [
        ["a@example.test", "4930123456", "1.5", "2024-03-01"],
        ["b@example.test", "+49 30 1", "", ""],
    ]


def test_xlsx_header_only_and_values_beyond_the_header() -> None:
    with pytest.raises(ImportFileError, match="no data rows"):
        analyse(opener(xlsx_bytes([["Email", "Name"]])), max_rows=10)
    with pytest.raises(ImportFileError, match="same number of columns"):
        analyse(opener(xlsx_bytes([["Email"], ["a@example.test", "extra"]])), max_rows=10)


def test_xlsx_cell_text() -> None:
    assert xlsx_cell_text(12.0) == "12"
    assert xlsx_cell_text(0.1) == "0.1"
    assert xlsx_cell_text(True) == "true"
    assert xlsx_cell_text(datetime.datetime(2024, 1, 2, 3, 4)) == "2024-01-02 03:04:00"


# --- row validation ------------------------------------------------------------------------------


def validator(**columns: int) -> RowValidator:
    return RowValidator(mapping={str(i): target for target, i in columns.items()})


def test_row_validation_normalises_and_reports() -> None:
    v = validator(email=0, phone=1, country=2, lifecycle_stage=3, tags=4, first_name=5)
    good = v.validate(
        ["Ada@Example.TEST ", "0049 30 901820", "germany", "Customer", "vip; VIP;b2b", " Ada   L "]
    )
    assert good.errors == []
    email, email_lower, first, *_rest = good.values  # type: ignore[misc]
    assert (email, email_lower, first) == ("Ada@example.test", "ada@example.test", "Ada L")
    assert good.values[5] == "+4930901820"  # type: ignore[index]
    assert good.values[8] == "DE"  # type: ignore[index]
    assert good.values[9] == "customer"  # type: ignore[index]
    assert good.values[11] == ["vip", "b2b"]  # type: ignore[index]
    assert good.keys == ("ada@example.test",)

    bad = v.validate(["not-an-email", "+12", "XX", "someday", "", "x"])
    assert bad.values is None
    text = " ".join(bad.errors)
    for expected in ("valid email", "valid phone", "ISO country", "not a lifecycle stage"):
        assert expected in text


def test_national_phone_numbers_use_the_row_country() -> None:
    v = validator(email=0, phone=1, country=2)
    assert v.validate(["a@example.test", "030 901820", "DE"]).values[5] == "+4930901820"  # type: ignore[index]
    assert "country code" in " ".join(v.validate(["a@example.test", "030 901820", ""]).errors)


def test_phone_fast_path_agrees_with_phonenumbers() -> None:
    import phonenumbers

    normalise = PhoneNormaliser()
    for raw in ["+49 30 901820", "+1 650 253 0000", "+39 06 698 12345", "+44 20 7946 0958",
                "+81 3-1234-5678", "+33 1 23 45 67 89", "+90 212 123 45 67"]:  # fmt: skip
        number = phonenumbers.parse(raw, None)
        expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(number):
            assert normalise(raw, "") == expected
        else:
            with pytest.raises(Exception, match="valid phone"):
                normalise(raw, "")


def test_a_row_needs_a_name_or_email() -> None:
    v = validator(email=0, first_name=1, city=2)
    assert "name or an email" in " ".join(v.validate(["", "", "Berlin"]).errors)


def test_export_neutralising_is_undone_on_import() -> None:
    v = validator(email=0, phone=1, first_name=2)
    result = v.validate(["a@example.test", "'+49 30 901820", "'=Ada"])
    assert result.values[5] == "+4930901820"  # type: ignore[index]
    assert result.values[2] == "=Ada"  # type: ignore[index]
