"""The readers: calamine sees what openpyxl sees, and every rejection is named."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import qi_sheets, write_workbook

from public_protection.demo.layouts import OMI2_CASES, QI_CASES, QI_JUDGEMENTS
from public_protection.readers.base import FileRejected, match_header, require_named_inspection
from public_protection.readers.csv_files import (
    MAX_FIELD_CHARS,
    check_cp1252,
    check_encoding,
    read_csv,
)
from public_protection.readers.xlsx_files import (
    _column_number,
    cell_text,
    open_workbook,
    read_sheet,
)


def rows_by_openpyxl(path: Path, sheet: str, width: int) -> list[tuple[int, list[str | None]]]:
    """The oracle: openpyxl's values through the same cell_text, empty rows skipped."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    worksheet = workbook[sheet]
    worksheet.reset_dimensions()
    rows = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number == 1 or values is None or all(cell_text(v) is None for v in values):
            continue
        texts = [cell_text(v) for v in values[:width]]
        rows.append((number, texts + [None] * (width - len(texts))))
    workbook.close()
    return rows


def rows_by_loader(path: Path, table) -> list[tuple[int, list[str | None]]]:
    workbook = open_workbook(path.name, path, path.read_bytes()[:512])
    reader = read_sheet(path.name, workbook, table)
    return [row for chunk in reader.chunks for row in chunk]


def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path):
    odd_cases = [
        ["QI-X-1", "QI-2017-04-NOR", " Kent ", "CRC", "A1", "Zoë O’Brien", 34, "Female",
         "White British", "Licence", "Medium", "Not MAPPA", "Theft", True, False, None,
         "line one\nline two & <three>"],
        ["QI-X-2", "QI-2017-04-NOR", "Kent", "nps", "A2", "Al", 52.5, "male", None, None,
         "High", "Category 2", "Robbery", None, "Yes", "No", None],
        [None] * 17,  # an empty row: skipped by both
        ["QI-X-3", "QI-2017-04-NOR", "Kent", "CRC", "A3", "Bo", dt.datetime(2017, 3, 4),
         "Male", "x", "Licence", "Low", None, None, None, None, None,
         dt.datetime(2017, 3, 4, 10, 30)],
        ["QI-X-4", "QI-2017-04-NOR", "Kent", "CRC", "A4", "Cy", 1e-3, "Male", "x", "Licence",
         "Low", None, None, None, None, None, 12345678901],
    ]  # fmt: skip
    path = write_workbook(tmp_path / "QI_odd.xlsx", qi_sheets(cases=odd_cases))
    width = len(QI_CASES.columns)
    assert rows_by_loader(path, QI_CASES) == rows_by_openpyxl(path, "Cases", width)
    assert rows_by_loader(path, QI_JUDGEMENTS) == rows_by_openpyxl(
        path, "Judgements", len(QI_JUDGEMENTS.columns)
    )


def test_leading_blank_rows_keep_their_row_numbers(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Cases"
    sheet.append(list(QI_CASES.columns))
    sheet.append([None] * 3)
    sheet.append([None] * 3)
    sheet["A4"] = "QI-X-9"
    sheet["C4"] = "Kent"
    judgements = workbook.create_sheet("Judgements")
    judgements.append(list(QI_JUDGEMENTS.columns))
    path = tmp_path / "QI_gaps.xlsx"
    workbook.save(path)
    rows = rows_by_loader(path, QI_CASES)
    assert [number for number, _ in rows] == [4]
    assert rows == rows_by_openpyxl(path, "Cases", len(QI_CASES.columns))


@pytest.mark.dbt
def test_demo_workbooks_read_the_same_with_both_readers(demo_warehouse):
    landing = demo_warehouse.parent / "landing" / "qi"
    for path in sorted(landing.glob("*.xlsx"))[:3]:
        assert rows_by_loader(path, QI_CASES) == rows_by_openpyxl(
            path, "Cases", len(QI_CASES.columns)
        )
        assert rows_by_loader(path, QI_JUDGEMENTS) == rows_by_openpyxl(
            path, "Judgements", len(QI_JUDGEMENTS.columns)
        )


# --- every rejection the readers promise, at the reader ------------------------------

OMI2_HEADER = ",".join(OMI2_CASES.columns)
OMI2_ROW = ",".join(["x"] * len(OMI2_CASES.columns))


def csv_file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "extract.csv"
    path.write_bytes(content)
    return path


def read_all_csv(path: Path) -> int:
    reader = read_csv("omi2/extract.csv", path, OMI2_CASES)
    return sum(len(chunk) for chunk in reader.chunks)


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("cp1252")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file is empty (0 bytes)"),
        (b"PK\x03\x04rest", "has a .csv name but is a zip archive"),
        (b"\x00\x01binary", "has a .csv name but is binary data"),
        (b"\xef\xbb\xbf" + crlf(f"{OMI2_HEADER}\n"), "UTF-8 byte-order mark"),
        (crlf(f"{OMI2_HEADER}\n").replace(b"Sex", "Séx".encode()), "is UTF-8 encoded"),
        (crlf(f"{OMI2_HEADER}\n{OMI2_ROW}\n").replace(b",x,", b",\x81,", 1), "byte 0x81 at line 2"),
        (crlf("\n\n"), "has no header row"),
        (crlf(OMI2_HEADER.replace("SentenceDate,", "") + "\n"), "missing required column(s) Sent"),
        (crlf(f"{OMI2_HEADER},Trust\n"), "names 'Trust' twice"),
        (crlf(f"{OMI2_HEADER},_source_row\n"), "reserved provenance name '_source_row'"),
        (crlf(f"{OMI2_HEADER}\n{OMI2_ROW}\n" + OMI2_ROW[:-30] + "\n"), "row is truncated"),
        (crlf(f'{OMI2_HEADER}\n{OMI2_ROW[:-1]}"open quote\n'), "malformed CSV"),
        (crlf(f"{OMI2_HEADER},\n{OMI2_ROW},surprise\n"), "'surprise' in column"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_every_csv_rejection_is_named(tmp_path, content, reason):
    with pytest.raises(FileRejected) as rejected:
        read_all_csv(csv_file(tmp_path, content))
    assert reason in str(rejected.value)
    assert str(rejected.value).startswith("omi2/extract.csv")


def test_headers_match_trimmed_and_case_insensitively_and_extras_are_kept():
    received = [f"  {c.lower()} " for c in OMI2_CASES.columns] + ["Team"]
    names, extras, blanks = match_header("f.csv", OMI2_CASES, received)
    assert names == [*OMI2_CASES.columns, "Team"] and extras == ["Team"] and blanks == []


def test_every_missing_required_column_is_listed_in_order():
    received = [c for c in OMI2_CASES.columns if c not in ("CaseRef", "DL12")]
    with pytest.raises(FileRejected) as rejected:
        match_header("f.csv", OMI2_CASES, received)
    assert "missing required column(s) CaseRef, DL12" in str(rejected.value)
    assert rejected.value.row == 1


def test_a_long_field_is_read_whole_and_only_commas_are_skipped(tmp_path):
    row = OMI2_ROW.replace("x", "y" * 200_000, 1)
    empty = "," * (len(OMI2_CASES.columns) - 1)
    reader = read_csv(
        "o.csv", csv_file(tmp_path, crlf(f"{OMI2_HEADER}\n{row}\n{empty}\n")), OMI2_CASES
    )
    rows = [r for chunk in reader.chunks for r in chunk]
    assert len(rows) == 1 and len(rows[0][1][0]) == 200_000
    assert any("only commas" in w for w in reader.warnings)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b""), "file is empty (0 bytes)"),
        (lambda p: p.write_bytes(b"CaseRef,Trust\r\n"), "plain text (a CSV?)"),
        (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600), "legacy binary Office"),
        (
            lambda p: p.write_bytes(
                (Path(__file__).parent / "fixtures" / "encrypted_workbook.xlsx").read_bytes()
            ),
            "password-protected (encrypted) workbook",
        ),
        (
            lambda p: p.write_bytes(write_workbook(p, qi_sheets()).read_bytes()[:900]),
            "truncated or corrupt",
        ),
    ],
    ids=["empty", "text", "xls", "encrypted", "truncated"],
)
def test_every_workbook_rejection_is_named(tmp_path, make, reason):
    path = tmp_path / "QI_QI-2017-04-NOR.xlsx"
    make(path)
    with pytest.raises(FileRejected) as rejected:
        workbook = open_workbook(path.name, path, path.read_bytes()[:512])
        for table in (QI_CASES, QI_JUDGEMENTS):
            for _ in read_sheet(path.name, workbook, table).chunks:
                pass
    assert reason in str(rejected.value)


def test_a_missing_sheet_is_named_with_the_sheets_found(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", {"Cases": qi_sheets()["Cases"], "Notes": [["x"]]})
    workbook = open_workbook(path.name, path, path.read_bytes()[:512])
    with pytest.raises(
        FileRejected, match=r"missing sheet 'Judgements' \(sheets found: Cases, Notes\)"
    ):
        read_sheet(path.name, workbook, QI_JUDGEMENTS)


def test_rows_of_another_inspection_are_refused_and_an_unnamed_file_is_warned(tmp_path):
    rows = [list(r) for r in qi_sheets()["Cases"][1:]]
    rows[2][1] = " qi-2017-10-cum "
    path = write_workbook(tmp_path / "QI_QI-2017-04-NOR.xlsx", qi_sheets(cases=rows))
    workbook = open_workbook(path.name, path, path.read_bytes()[:512])
    sheet = require_named_inspection(read_sheet("qi/x", workbook, QI_CASES), "qi/x", path.name)
    with pytest.raises(FileRejected) as rejected:
        for _ in sheet.chunks:
            pass
    assert rejected.value.row == 4 and rejected.value.column == "Inspection ID"
    assert "'qi-2017-10-cum' is not 'QI-2017-04-NOR'" in str(rejected.value)
    rows[2][1] = "QI-2016-01-AAA"  # sorting before the file's own id
    earlier = write_workbook(tmp_path / "b" / "QI_QI-2017-04-NOR.xlsx", qi_sheets(cases=rows))
    opened = open_workbook(earlier.name, earlier, earlier.read_bytes()[:512])
    sheet = require_named_inspection(read_sheet("qi/x", opened, QI_CASES), "qi/x", earlier.name)
    with pytest.raises(FileRejected, match="'QI-2016-01-AAA' is not 'QI-2017-04-NOR'"):
        for _ in sheet.chunks:
            pass
    unnamed = require_named_inspection(read_sheet("qi/y", workbook, QI_CASES), "qi/y", "cases.xlsx")
    assert any("not named QI_<inspection id>.xlsx" in w for w in unnamed.warnings)


# --- what the mutation run showed was not pinned -------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Kent", "Kent"),
        ("", None),
        (None, None),
        (True, "TRUE"),
        (False, "FALSE"),
        (3.0, "3"),
        (2.5, "2.5"),
        (dt.datetime(2017, 3, 4), "2017-03-04"),
        (dt.datetime(2017, 3, 4, 10, 30), "2017-03-04 10:30:00"),
        (dt.date(2017, 3, 4), "2017-03-04"),
        (dt.time(9, 15), "09:15:00"),
    ],
)
def test_a_cell_reads_as_the_sheet_shows_it(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("letters", "number"),
    [(b"A", 1), (b"Z", 26), (b"AA", 27), (b"AZ", 52), (b"BA", 53), (b"ZZ", 702)],
)
def test_column_letters_are_numbered_as_excel_numbers_them(letters, number):
    assert _column_number(letters) == number


def test_csv_rows_are_numbered_from_the_header_and_empty_rows_are_counted(tmp_path):
    empty = "," * (len(OMI2_CASES.columns) - 1)
    content = crlf(
        f"{OMI2_HEADER}\n{OMI2_ROW}\n\n{empty}\n{OMI2_ROW}\n\n{empty}\n{empty}\n{OMI2_ROW}\n"
    )
    reader = read_csv("o.csv", csv_file(tmp_path, content), OMI2_CASES)
    rows = [r for chunk in reader.chunks for r in chunk]
    # Records, not physical lines: blank lines are not rows, comma-only rows are.
    assert [number for number, _ in rows] == [2, 4, 7]
    assert "o.csv: skipped 2 empty line(s)" in reader.warnings
    assert any("skipped 3 row(s) with no values" in w for w in reader.warnings)


def test_rows_are_handed_over_in_chunks_of_the_chunk_size(tmp_path, monkeypatch):
    from public_protection.readers import csv_files, xlsx_files

    monkeypatch.setattr(csv_files, "CHUNK_ROWS", 2)
    reader = read_csv(
        "o.csv", csv_file(tmp_path, crlf(f"{OMI2_HEADER}\n" + f"{OMI2_ROW}\n" * 5)), OMI2_CASES
    )
    assert [len(chunk) for chunk in reader.chunks] == [2, 2, 1]
    # A size past 256 too (CPython shares small integers, so `is` would pass there).
    monkeypatch.setattr(csv_files, "CHUNK_ROWS", 300)
    monkeypatch.setattr(xlsx_files, "CHUNK_ROWS", 300)
    many = crlf(f"{OMI2_HEADER}\n" + f"{OMI2_ROW}\n" * 700)
    assert [len(c) for c in read_csv("o.csv", csv_file(tmp_path, many), OMI2_CASES).chunks] == [
        300,
        300,
        100,
    ]
    rows = [[f"QI-X-{i}", "2.2", "Yes", None] for i in range(700)]
    big = write_workbook(tmp_path / "QI_big.xlsx", qi_sheets(judgements=rows))
    opened = open_workbook(big.name, big, big.read_bytes()[:512])
    assert [len(c) for c in read_sheet(big.name, opened, QI_JUDGEMENTS).chunks] == [300, 300, 100]
    monkeypatch.setattr(xlsx_files, "CHUNK_ROWS", 2)
    path = write_workbook(tmp_path / "QI_QI-2017-04-NOR.xlsx", qi_sheets())
    workbook = open_workbook(path.name, path, path.read_bytes()[:512])
    assert [len(c) for c in read_sheet(path.name, workbook, QI_JUDGEMENTS).chunks] == [2, 2, 2]


def test_a_value_beyond_the_header_or_under_a_blank_header_names_its_column(tmp_path):
    width = len(OMI2_CASES.columns)
    with pytest.raises(FileRejected) as beyond:
        read_all_csv(csv_file(tmp_path, crlf(f"{OMI2_HEADER}\n{OMI2_ROW},extra\n")))
    assert f"value in column {width + 1} lies beyond the header's {width} columns" in str(
        beyond.value
    )
    assert beyond.value.row == 2
    with pytest.raises(FileRejected) as blank:
        read_all_csv(csv_file(tmp_path, crlf(f"{OMI2_HEADER},,Note\n{OMI2_ROW},here,n\n")))
    assert f"value 'here' in column {width + 1} has no header" in str(blank.value)


def test_the_line_endings_and_last_line_are_checked_across_blocks(tmp_path, monkeypatch):
    from public_protection.readers import csv_files as readers

    monkeypatch.setattr(readers, "BLOCK_BYTES", 64)  # many blocks, CRLFs split across them
    crlf_file = csv_file(tmp_path, crlf(f"{OMI2_HEADER}\n" + f"{OMI2_ROW}\n" * 20))
    assert check_cp1252("o.csv", crlf_file) == []
    lf_file = tmp_path / "lf.csv"
    lf_file.write_bytes(f"{OMI2_HEADER}\n{OMI2_ROW}".encode())
    assert check_cp1252("lf.csv", lf_file) == [
        "lf.csv: uses LF line endings; the spec says CRLF (loaded anyway)",
        "lf.csv: does not end with a line break; check the last row is complete",
    ]


def test_a_bad_byte_past_the_first_block_is_named_by_line_and_offset(tmp_path, monkeypatch):
    from public_protection.readers import csv_files as readers

    monkeypatch.setattr(readers, "BLOCK_BYTES", 100)
    content = crlf(f"{OMI2_HEADER}\n" + f"{OMI2_ROW}\n" * 6)
    at = len(content) - 10
    content = content[:at] + b"\x9d" + content[at + 1 :]
    with pytest.raises(FileRejected) as rejected:
        check_cp1252("o.csv", csv_file(tmp_path, content))
    assert f"byte 0x9d at line 7 (byte offset {at})" in str(rejected.value)


@pytest.mark.parametrize("at", [5, 99, 100, 101, 102, 250])
def test_a_csv_in_another_encoding_names_its_first_unreadable_byte(tmp_path, monkeypatch, at):
    # Read a block at a time: the byte is named by its offset in the file wherever it
    # falls, a two-byte character split across two blocks included (bytes 100-101).
    from public_protection.readers import csv_files as readers

    monkeypatch.setattr(readers, "BLOCK_BYTES", 101)
    text = ("é" * 200).encode("utf-8")  # every character two bytes
    assert check_encoding("x.csv", csv_file(tmp_path, text), "utf-8") == []
    broken = text[:at] + b"\xff" + text[at + 1 :]
    with pytest.raises(FileRejected) as rejected:
        check_encoding("x.csv", csv_file(tmp_path, broken), "utf-8")
    # a lead byte replaced at an odd offset leaves its predecessor unfinished
    first = at - 1 if at % 2 else at
    assert f"is not utf-8 text: byte {first} cannot be read" in str(rejected.value)


def test_a_csv_in_another_encoding_cut_inside_a_character_is_refused(tmp_path):
    truncated = ("é" * 3).encode("utf-8")[:-1]
    with pytest.raises(FileRejected) as rejected:
        check_encoding("x.csv", csv_file(tmp_path, truncated), "utf-8")
    assert "byte 4 cannot be read" in str(rejected.value)
    with pytest.raises(FileRejected, match="file is empty"):
        check_encoding("x.csv", csv_file(tmp_path, b""), "utf-8")


def test_an_error_cell_in_the_second_sheet_is_named_with_its_column(tmp_path):
    sheets = qi_sheets()
    path = write_workbook(tmp_path / "QI_QI-2017-04-NOR.xlsx", sheets)
    workbook = openpyxl.load_workbook(path)
    for cell in ("C3", "C5"):
        workbook["Judgements"][cell].value = "#N/A"
        workbook["Judgements"][cell].data_type = "e"
    workbook.save(path)
    opened = open_workbook(path.name, path, path.read_bytes()[:512])
    read_sheet(path.name, opened, QI_CASES)  # the Cases sheet is clean
    with pytest.raises(FileRejected) as rejected:
        read_sheet(path.name, opened, QI_JUDGEMENTS)
    assert "cell C3 of sheet 'Judgements' holds the Excel error #N/A (1 more cell(s) like it)" in (
        str(rejected.value)
    )
    assert (rejected.value.row, rejected.value.column) == (3, "Answer")


def judgements_sheet(path: Path, cells: dict[str, object], header_at: tuple[int, int] = (1, 1)):
    """A one-sheet workbook: the Judgements header from ``header_at`` (row, column), then cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Judgements"
    row, first = header_at
    for column, name in enumerate(QI_JUDGEMENTS.columns, start=first):
        sheet.cell(row, column, name)
    for reference, value in cells.items():
        sheet[reference] = value
    workbook.save(path)
    return open_workbook(path.name, path, path.read_bytes()[:512])


def test_data_starting_past_column_a_keeps_its_columns(tmp_path):
    path = tmp_path / "QI_shifted.xlsx"
    opened = judgements_sheet(path, {"B2": "QI-X-1", "C2": "2.2", "D2": "Yes"}, (1, 2))
    reader = read_sheet(path.name, opened, QI_JUDGEMENTS)
    assert [r for chunk in reader.chunks for r in chunk] == [(2, ["QI-X-1", "2.2", "Yes", None])]


def test_the_documented_field_limit_is_the_readers():
    # docs/input-contract.md promises fields up to 16,777,216 characters.
    assert MAX_FIELD_CHARS == 16 * 1024 * 1024
    page = (Path(__file__).resolve().parents[2] / "docs" / "input-contract.md").read_text()
    assert f"{MAX_FIELD_CHARS:,}" in page


def test_a_reserved_header_name_is_refused_on_row_one():
    with pytest.raises(FileRejected) as rejected:
        match_header("f.csv", OMI2_CASES, [*OMI2_CASES.columns, "_loaded_at"])
    assert (rejected.value.row, rejected.value.column) == (1, "_loaded_at")


def test_cp1252_text_ending_in_a_lone_lead_byte_is_not_taken_for_utf8(tmp_path):
    # 0xC3 alone is "Ã" in cp1252 and an unfinished sequence in UTF-8.
    content = crlf(f"{OMI2_HEADER}\n{OMI2_ROW[:-1]}") + "Ã".encode("cp1252")
    assert read_all_csv(csv_file(tmp_path, content)) == 1


def test_an_encryption_marker_split_across_blocks_is_found(tmp_path, monkeypatch):
    from public_protection.readers import xlsx_files as readers

    source = (Path(__file__).parent / "fixtures" / "encrypted_workbook.xlsx").read_bytes()
    at = source.index(readers.ENCRYPTED_PACKAGE)
    monkeypatch.setattr(readers, "BLOCK_BYTES", at + 5)  # the marker straddles two reads
    path = tmp_path / "QI_x.xlsx"
    path.write_bytes(source)
    with pytest.raises(FileRejected, match="password-protected"):
        open_workbook(path.name, path, source[:512])


def test_a_workbook_warns_of_empty_rows_only_when_it_has_some(tmp_path):
    path = write_workbook(tmp_path / "QI_QI-2017-04-NOR.xlsx", qi_sheets())
    opened = open_workbook(path.name, path, path.read_bytes()[:512])
    clean = read_sheet(path.name, opened, QI_CASES)
    list(clean.chunks)
    assert clean.warnings == []
    sheets = qi_sheets()
    sheets["Cases"].insert(2, [None] * len(QI_CASES.columns))
    gappy = write_workbook(tmp_path / "QI_gap.xlsx", sheets)
    reader = read_sheet(gappy.name, open_workbook(gappy.name, gappy, b"PK\x03\x04"), QI_CASES)
    list(reader.chunks)
    assert reader.warnings == [f"{gappy.name} [Cases]: skipped 1 empty row(s)"]


# --- What the mutation run found unguarded -----------------------------------------


def test_a_rejection_names_the_file_then_row_then_column():
    assert str(FileRejected("f.csv", "bad")) == "f.csv: bad"
    assert str(FileRejected("f.csv", "bad", row=3)) == "f.csv, row 3: bad"
    assert str(FileRejected("f.csv", "bad", column="Age")) == "f.csv, column 'Age': bad"
    assert str(FileRejected("f.csv", "bad", row=3, column="Age")) == (
        "f.csv, row 3, column 'Age': bad"
    )


def test_a_short_row_is_padded_to_the_headers_width():
    from public_protection.readers.base import shape_row

    assert shape_row("f.csv", 2, ["a"], 3, []) == ["a", None, None]
    assert shape_row("f.csv", 2, ["a"], 4, []) == ["a", None, None, None]
    # Blank header positions at and past the row's end hold nothing to check.
    assert shape_row("f.csv", 2, ["a"], 3, [1, 2]) == ["a"]
    assert shape_row("f.csv", 2, ["a", "b", "c"], 3, []) == ["a", "b", "c"]


def test_a_nul_byte_in_the_first_512_bytes_marks_a_csv_as_binary(tmp_path):
    content = crlf(f"{OMI2_HEADER}\n")[:100] + b"\x00" + crlf(f"{OMI2_HEADER}\n")[100:]
    with pytest.raises(FileRejected, match=r"has a \.csv name but is binary data"):
        check_cp1252("o.csv", csv_file(tmp_path, content))


def test_only_the_start_of_a_file_is_checked_for_a_byte_order_mark(tmp_path, monkeypatch):
    from public_protection.readers import csv_files as readers

    monkeypatch.setattr(readers, "BLOCK_BYTES", 10)
    # "ï»¿" is cp1252 text; mid-file it is three letters, not a byte-order mark, and
    # "%PDF" mid-file is text. The lone "é" keeps the file from reading as UTF-8.
    content = b"abc\xe9fghi\r\n" + "ï»¿ name\r\n".encode("cp1252") + b"%PDF text\r\n"
    assert content[10:13] == b"\xef\xbb\xbf"
    assert check_cp1252("o.csv", csv_file(tmp_path, content)) == []


def test_lf_endings_are_noticed_whatever_the_block_boundaries(tmp_path, monkeypatch):
    from public_protection.readers import csv_files as readers

    monkeypatch.setattr(readers, "BLOCK_BYTES", 10)
    # Blocks: "abcdefghij" "\nklmnopqrs" "\n12345678\n" "\nend\n": a block starts
    # with "\n" after a letter and after another "\n"; neither is a CRLF.
    path = tmp_path / "lf.csv"
    path.write_bytes(b"abcdefghij\nklmnopqrs\n12345678\n\nend\n")
    assert check_cp1252("lf.csv", path) == [
        "lf.csv: uses LF line endings; the spec says CRLF (loaded anyway)"
    ]


def test_a_bad_byte_in_a_later_block_counts_the_lines_before_it(tmp_path, monkeypatch):
    from public_protection.readers import csv_files as readers

    monkeypatch.setattr(readers, "BLOCK_BYTES", 10)
    # Three lines in the first block, one more in the second before the bad byte.
    content = b"abcd\nde\nf\n" + b"g\n\x9d\n"
    with pytest.raises(FileRejected) as rejected:
        check_cp1252("o.csv", csv_file(tmp_path, content))
    assert "byte 0x9d at line 5 (byte offset 12)" in str(rejected.value)
    # The second block starting with a line break, counted too.
    content = b"abcd\nde\nf\n" + b"\n\x9d\n"
    with pytest.raises(FileRejected) as rejected:
        check_cp1252("o.csv", csv_file(tmp_path, content))
    assert "byte 0x9d at line 5 (byte offset 11)" in str(rejected.value)


def test_an_uncalculated_formula_past_column_a_is_named_by_its_own_column(tmp_path):
    # Column A is empty, so the reader must put it back for the column names to line up.
    path = tmp_path / "QI_shifted.xlsx"
    # openpyxl saves a formula without its value
    opened = judgements_sheet(path, {"B2": "QI-X-1", "C2": "2.2", "D2": "=B2&C2"}, (1, 2))
    with pytest.raises(FileRejected) as rejected:
        read_sheet(path.name, opened, QI_JUDGEMENTS)
    assert str(rejected.value) == (
        f"{path.name}, row 2, column 'Answer': cell D2 of sheet 'Judgements' is a formula "
        "saved without its value; open the workbook in Excel, correct or recalculate it, "
        "save, and load again (nothing is read as blank)"
    )


def test_a_sheet_entry_without_a_relationship_is_passed_over(tmp_path):
    from public_protection.readers.xlsx_files import Workbook, _sheet_xml, check_cells

    path = tmp_path / "QI_odd.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="Cases"/></sheets>')
        archive.writestr("xl/_rels/workbook.xml.rels", "<Relationships/>")
    assert _sheet_xml(path, "Cases") is None
    # Sheets found by name, whatever their order, through r:id or a plain id.
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            '<workbook><sheets><sheet name="Zeta" r:id="rId1"/>'
            '<sheet name="Judgements" id="rId2"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Target="worksheets/sheet2.xml"/></Relationships>',
        )
        archive.writestr("xl/worksheets/sheet1.xml", "<zeta/>")
        archive.writestr("xl/worksheets/sheet2.xml", "<judgements/>")
    assert _sheet_xml(path, "Judgements") == b"<judgements/>"
    assert _sheet_xml(path, "Zeta") == b"<zeta/>"
    # A sheet whose XML cannot be found has no cells to check.
    assert check_cells(Workbook(path.name, path, None), "Cases", ["Case ID"]) is None


class _Sheet:
    """A calamine sheet that fails part-way, as a damaged file can."""

    def __init__(self, error: Exception):
        self.error, self.height, self.start = error, 2, (0, 0)

    def iter_rows(self):
        yield list(QI_CASES.columns)
        raise self.error


class _Reader:
    def __init__(self, opening: Exception | None = None, reading: Exception | None = None):
        self.sheet_names = ["Cases"]
        self.opening, self.reading = opening, reading

    def get_sheet_by_name(self, name):
        if self.opening:
            raise self.opening
        return _Sheet(self.reading)


@pytest.mark.parametrize(
    "error",
    [OSError("disk"), KeyError("xl/worksheets/sheet1.xml"), zipfile.BadZipFile("bad CRC")],
)
def test_a_sheet_that_cannot_be_opened_is_a_rejection(tmp_path, error):
    from public_protection.readers.xlsx_files import Workbook

    path = write_workbook(tmp_path / "QI_QI-2017-04-NOR.xlsx", qi_sheets())
    with pytest.raises(FileRejected, match=r"sheet 'Cases' cannot be read"):
        read_sheet(path.name, Workbook(path.name, path, _Reader(opening=error)), QI_CASES)


@pytest.mark.parametrize(
    "error", [OSError("disk"), KeyError("xl/worksheets/sheet1.xml"), EOFError("short")]
)
def test_a_sheet_that_breaks_part_way_is_a_rejection(tmp_path, error):
    from public_protection.readers.xlsx_files import Workbook

    path = write_workbook(tmp_path / "QI_QI-2017-04-NOR.xlsx", qi_sheets())
    reader = read_sheet(path.name, Workbook(path.name, path, _Reader(reading=error)), QI_CASES)
    with pytest.raises(FileRejected, match=r"sheet 'Cases' is truncated or corrupt"):
        list(reader.chunks)


def test_missing_columns_name_the_sheet_only_for_a_workbook():
    with pytest.raises(FileRejected) as workbook:
        match_header("qi/x.xlsx", QI_CASES, ["Case ID"])
    assert "in sheet 'Cases'" in str(workbook.value)
    with pytest.raises(FileRejected) as csv_file_:
        match_header("omi2/x.csv", OMI2_CASES, ["CaseRef"])
    assert "in sheet" not in str(csv_file_.value)


def test_error_cells_in_the_last_column_and_past_the_header_are_named(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Judgements"
    sheet.append(list(QI_JUDGEMENTS.columns))  # A-D
    sheet.append(["QI-X-1", "2.2", "Yes", "=A2&B2"])
    path = tmp_path / "QI_last.xlsx"
    workbook.save(path)
    with pytest.raises(FileRejected) as last:
        read_sheet(path.name, open_workbook(path.name, path, b"PK\x03\x04"), QI_JUDGEMENTS)
    assert (last.value.row, last.value.column) == (2, "Rationale")
    sheet["D2"] = None
    sheet["E3"] = "=A2&B2"
    sheet["F3"] = "=A2&B2"
    sheet["G3"] = "=A2&B2"
    workbook.save(path)
    with pytest.raises(FileRejected) as beyond:
        read_sheet(path.name, open_workbook(path.name, path, b"PK\x03\x04"), QI_JUDGEMENTS)
    assert (beyond.value.row, beyond.value.column) == (3, "E")
    assert "(2 more cell(s) like it)" in str(beyond.value)


def test_a_sheet_whose_first_row_is_empty_has_no_header_on_row_one(tmp_path):
    path = tmp_path / "QI_low.xlsx"
    opened = judgements_sheet(path, {"A3": "QI-X-1"}, header_at=(2, 1))  # header on row 2
    with pytest.raises(FileRejected) as rejected:
        read_sheet(path.name, opened, QI_JUDGEMENTS)
    assert rejected.value.row == 1
    assert "missing required column(s)" in str(rejected.value)


def test_rows_keep_their_numbers_below_empty_rows_and_past_empty_columns(tmp_path):
    from python_calamine import CalamineWorkbook

    from public_protection.readers.xlsx_files import _sheet_rows

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Judgements"
    sheet.cell(3, 2, "header")
    sheet.cell(4, 3, "value")
    path = tmp_path / "QI_sparse.xlsx"
    workbook.save(path)
    rows = list(_sheet_rows(CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Judgements")))
    assert [[cell_text(v) for v in row] for row in rows] == [
        [None, None, None],
        [None, None, None],
        [None, "header", None],
        [None, None, "value"],
    ]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("calamine", "is not a readable Excel workbook"),
        (zipfile.BadZipFile("bad"), "workbook is truncated or corrupt"),
        (OSError("disk"), "workbook is truncated or corrupt"),
        (ValueError("odd"), "workbook is truncated or corrupt"),
    ],
)
def test_a_workbook_calamine_cannot_open_is_a_rejection(tmp_path, monkeypatch, error, reason):
    import sys
    import types

    import python_calamine

    class Refusing:
        @staticmethod
        def from_path(path):
            raise python_calamine.CalamineError("corrupt") if error == "calamine" else error

    fake = types.SimpleNamespace(
        CalamineError=python_calamine.CalamineError, CalamineWorkbook=Refusing
    )
    monkeypatch.setitem(sys.modules, "python_calamine", fake)
    path = write_workbook(tmp_path / "QI_QI-2017-04-NOR.xlsx", qi_sheets())
    with pytest.raises(FileRejected, match=reason):
        open_workbook(path.name, path, path.read_bytes()[:512])
