"""The loader's promises: as received, idempotent, atomic, and clear about bad files."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import (
    OMI2_FIXTURE,
    QI_CASE_ROWS,
    qi_sheets,
    snapshot,
    table_rows,
    write_workbook,
)

from public_protection.demo.layouts import OMI2_CASES
from public_protection.load import LandingEmpty, LoadFailed, load_landing, sha256_of


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def csv_bytes(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("cp1252")


HEADER = ",".join(OMI2_CASES.columns)
GOOD_ROW = (
    "OMI2/KEN/0002,Kent Probation Trust,11/2010,Y654321,Tom,Hughes,,02/02/2010,M,NS,LIC,"
    "H,2,1,ROB,N,Y,,1,2,1,1,9,2,1,,,,Tom has a stable address"
)


# --- landing as received -----------------------------------------------------------


def test_every_row_lands_with_provenance_and_counts_in_the_log(landing, db):
    report = load_landing(db, landing)

    assert report.count("loaded") == 2
    assert query(db, "select count(*) from raw.omi2_cases") == [(3,)]
    assert query(db, "select count(*) from raw.qi_cases") == [(3,)]
    assert query(db, "select count(*) from raw.qi_judgements") == [(6,)]
    sha = hashlib.sha256(OMI2_FIXTURE.read_bytes()).hexdigest()
    assert query(
        db,
        "select distinct _source_file, _source_sha256 from raw.omi2_cases",
    ) == [("omi2/omi2_extract_a.csv", sha)]
    log = query(db, "select file, rows, status from raw.load_log order by file")
    assert log == [
        ("omi2/omi2_extract_a.csv", 3, "loaded"),
        ("qi/QI_QI-2017-04-NOR.xlsx", 9, "loaded"),
    ]


def test_csv_is_decoded_as_cp1252_with_quoted_line_breaks_kept(landing, db):
    load_landing(db, landing)
    rows = query(
        db,
        'select "Forename", "Surname", "InspectorComments", "DOB", _source_row '
        "from raw.omi2_cases order by _source_row",
    )
    forename, surname, comment, dob, _ = rows[0]
    assert (forename, surname) == ("Amélie", "O’Brien")
    assert (
        comment
        == 'Ms O’Brien said "fine, thanks" at interview.\r\nRisk plan agreed, £20 fine paid.'
    )
    assert dob == "12/04/1985"
    # Row numbers count records (header = row 1), not physical lines.
    assert [r[4] for r in rows] == [2, 3, 4]
    # A blank field lands as NULL.
    assert rows[1][3] is None


def test_every_raw_column_is_text_under_its_received_name(landing, db):
    load_landing(db, landing)
    types = dict(
        query(
            db,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'omi2_cases'",
        )
    )
    for column in OMI2_CASES.columns:
        assert types[column] == "VARCHAR"
    assert types["_source_row"] == "INTEGER"
    assert types["_loaded_at"] == "TIMESTAMP"


def test_workbook_cells_land_as_the_text_a_reader_sees(landing, db):
    load_landing(db, landing)
    cases = query(
        db, 'select "Case ID", "Provider", "Age", "Gender", "RoSH" from raw.qi_cases order by 1'
    )
    # 34 stays "34"; 52.0 (how Excel stores numbers) becomes "52", not "52.0";
    # stray spaces and letter case are kept for staging to normalise.
    assert cases == [
        ("QI-NOR-17-0001", "CRC", "34", "Female", "Medium"),
        ("QI-NOR-17-0002", " nps ", "52", "male", "High "),
        ("QI-NOR-17-0003", "CRC", None, "Not known", "Low"),
    ]
    answers = query(db, 'select "Answer", _source_row from raw.qi_judgements order by 2')
    assert answers[1] == ("no ", 3)


# --- idempotency and replacement -----------------------------------------------------


def test_loading_the_same_files_again_changes_nothing(landing, db):
    load_landing(db, landing)
    before = snapshot(db)
    log_before = table_rows(db, "raw.load_log")

    report = load_landing(db, landing)

    assert report.count("unchanged") == 2
    assert report.count("loaded") == 0
    assert snapshot(db) == before
    assert table_rows(db, "raw.load_log") == log_before


def test_a_renamed_copy_of_a_loaded_file_is_not_loaded_twice(landing, db):
    load_landing(db, landing)
    shutil.copy(landing / "omi2" / OMI2_FIXTURE.name, landing / "omi2" / "copy.csv")

    report = load_landing(db, landing)

    assert query(db, "select count(*) from raw.omi2_cases") == [(3,)]
    assert any("same content as the already loaded" in w for w in report.warnings)


def test_a_changed_file_replaces_its_own_rows_only(landing, db):
    second = landing / "omi2" / "omi2_extract_b.csv"
    shutil.copy(OMI2_FIXTURE, second)
    # Different content: same header, only the first two data rows.
    second.write_bytes(csv_bytes(f"{HEADER}\n{GOOD_ROW}\n"))
    load_landing(db, landing)
    rows_b_before = query(
        db, "select * from raw.omi2_cases where _source_file like '%_b.csv' order by all"
    )

    changed = OMI2_FIXTURE.read_bytes().replace(b"Tom,Hughes", b"Tom,Hewes")
    (landing / "omi2" / OMI2_FIXTURE.name).write_bytes(changed)
    report = load_landing(db, landing)

    statuses = {o.file: o.status for o in report.outcomes}
    assert statuses["omi2/omi2_extract_a.csv"] == "replaced"
    assert statuses["omi2/omi2_extract_b.csv"] == "unchanged"
    rows_a = query(
        db,
        'select "Surname", _source_sha256 from raw.omi2_cases '
        "where _source_file = 'omi2/omi2_extract_a.csv' order by _source_row",
    )
    assert [r[0] for r in rows_a] == ["O’Brien", "Hewes", "Evans"]
    assert {r[1] for r in rows_a} == {hashlib.sha256(changed).hexdigest()}
    # The other file's rows are exactly as they were, load time included.
    assert (
        query(db, "select * from raw.omi2_cases where _source_file like '%_b.csv' order by all")
        == rows_b_before
    )
    assert len(rows_b_before) == 1
    assert query(db, "select file, rows from raw.source_files order by 1") == [
        ("omi2/omi2_extract_a.csv", 3),
        ("omi2/omi2_extract_b.csv", 1),
        ("qi/QI_QI-2017-04-NOR.xlsx", 9),
    ]


# --- atomicity --------------------------------------------------------------------


def test_a_bad_file_part_way_through_a_batch_leaves_nothing_behind(landing, db):
    load_landing(db, landing)
    before = snapshot(db)
    log_before = table_rows(db, "raw.load_log")
    # A good new file sorted before the bad one, and a change to a loaded file:
    # both would be written before the bad file is reached.
    shutil.copy(OMI2_FIXTURE, landing / "omi2" / "a_new.csv")
    (landing / "omi2" / "a_new.csv").write_bytes(
        OMI2_FIXTURE.read_bytes().replace(b"OMI2/LON/0001", b"OMI2/LON/0099")
    )
    write_workbook(landing / "qi" / "QI_QI-2017-04-NOR.xlsx", qi_sheets(cases=QI_CASE_ROWS[:1]))
    (landing / "qi" / "QI_QI-2017-06-SYO.xlsx").write_bytes(b"")

    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)

    assert "qi/QI_QI-2017-06-SYO.xlsx" in str(failure.value)
    assert snapshot(db) == before
    log_after = table_rows(db, "raw.load_log")
    assert set(log_before) <= set(log_after)
    new_records = [r for r in log_after if r not in log_before]
    assert [(r[1], r[5]) for r in new_records] == [("qi/QI_QI-2017-06-SYO.xlsx", "rejected")]


def test_a_failed_first_load_leaves_no_data_tables_with_rows(landing, db):
    (landing / "omi2" / "broken.csv").write_bytes(b"CaseRef,Trust\r\nX,Y\r\n")

    with pytest.raises(LoadFailed):
        load_landing(db, landing)

    assert snapshot(db) == {}
    assert query(db, "select status, count(*) from raw.load_log group by 1") == [("rejected", 1)]


# --- file-level rejections ---------------------------------------------------------


def reject(landing: Path, db: Path, relative: str, content: bytes) -> str:
    """Write one bad file into a fresh landing folder; return the rejection message."""
    for child in list(landing.rglob("*")):
        if child.is_file():
            child.unlink()
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)
    (only,) = failure.value.rejections
    assert only.file == relative
    return str(only)


def test_undecodable_text_is_rejected_naming_line_and_byte(landing, db):
    content = csv_bytes(f"{HEADER}\n{GOOD_ROW}\n").replace(b"Tom", b"T\x81m")
    message = reject(landing, db, "omi2/bad.csv", content)
    assert "byte 0x81 at line 2" in message
    assert "not valid Windows-1252" in message


def test_utf8_text_is_rejected_rather_than_turned_into_mojibake(landing, db):
    content = f"{HEADER}\r\n{GOOD_ROW.replace('Tom', 'Zoë')}\r\n".encode()
    message = reject(landing, db, "omi2/utf8.csv", content)
    assert "UTF-8" in message


def test_missing_required_columns_are_listed(landing, db):
    header = HEADER.replace("SentenceDate,", "").replace(",DL12", "")
    message = reject(landing, db, "omi2/narrow.csv", csv_bytes(f"{header}\n"))
    assert "missing required column(s) SentenceDate, DL12" in message
    assert "row 1" in message


def test_missing_sheet_is_rejected_listing_the_sheets_found(landing, db):
    path = landing / "qi" / "tmp.xlsx"
    write_workbook(path, {"Cases": qi_sheets()["Cases"]})
    content = path.read_bytes()
    message = reject(landing, db, "qi/QI_QI-2017-10-KEN.xlsx", content)
    assert "missing sheet 'Judgements' (sheets found: Cases)" in message


def test_missing_column_in_a_sheet_names_the_sheet(landing, db):
    path = landing / "qi" / "tmp.xlsx"
    sheets = qi_sheets()
    sheets["Judgements"] = [["Case ID", "Answer", "Rationale"]]
    write_workbook(path, sheets)
    message = reject(landing, db, "qi/QI_x.xlsx", path.read_bytes())
    assert "missing required column(s) Question ref in sheet 'Judgements'" in message


@pytest.mark.parametrize("relative", ["omi2/empty.csv", "qi/QI_empty.xlsx"])
def test_empty_files_are_rejected(landing, db, relative):
    assert "file is empty (0 bytes)" in reject(landing, db, relative, b"")


def test_truncated_csv_with_an_open_quote_is_rejected(landing, db):
    content = csv_bytes(f"{HEADER}\n{GOOD_ROW}\n")
    cut = content[: content.index(b"Tom has")] + b'"Tom has a sta'
    message = reject(landing, db, "omi2/cut.csv", cut)
    assert "truncated" in message


def test_truncated_csv_with_a_short_last_row_is_rejected(landing, db):
    content = csv_bytes(f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW}\n")
    message = reject(landing, db, "omi2/short.csv", content[:-60])
    assert "row 3" in message
    assert "truncated or malformed" in message


def test_truncated_workbook_is_rejected(landing, db):
    path = write_workbook(landing / "qi" / "tmp.xlsx", qi_sheets())
    content = path.read_bytes()
    message = reject(landing, db, "qi/QI_cut.xlsx", content[: len(content) // 2])
    assert "truncated or corrupt" in message


def test_a_workbook_named_csv_is_rejected_as_not_what_it_says(landing, db):
    path = write_workbook(landing / "qi" / "tmp.xlsx", qi_sheets())
    message = reject(landing, db, "omi2/really_a_workbook.csv", path.read_bytes())
    assert "has a .csv name but is a zip archive" in message


def test_a_csv_named_xlsx_is_rejected_as_not_what_it_says(landing, db):
    message = reject(landing, db, "qi/QI_fake.xlsx", csv_bytes(f"{HEADER}\n"))
    assert "has an .xlsx name but is plain text" in message


def test_unknown_file_types_in_the_landing_folders_are_rejected(landing, db):
    message = reject(landing, db, "omi2/notes.txt", b"hello")
    assert "unknown file type '.txt'" in message
    (landing / "omi2" / "notes.txt").unlink()
    # A suffix sorting before the expected one too.
    assert "unknown file type '.bak'" in reject(landing, db, "omi2/extract.bak", b"hello")


def test_duplicate_column_names_are_rejected(landing, db):
    message = reject(landing, db, "omi2/dup.csv", csv_bytes(f"{HEADER},Trust\n"))
    assert "names 'Trust' twice" in message


def test_a_value_under_a_blank_header_is_rejected(landing, db):
    content = csv_bytes(f"{HEADER},\n{GOOD_ROW},surprise\n")
    message = reject(landing, db, "omi2/blank_header.csv", content)
    assert "row 2" in message
    assert "'surprise'" in message and "has no header" in message


def test_every_bad_file_in_a_batch_is_reported_at_once(landing, db):
    (landing / "omi2" / "one.csv").write_bytes(b"")
    (landing / "qi" / "readme.md").write_bytes(b"#")
    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)
    assert sorted(r.file for r in failure.value.rejections) == ["omi2/one.csv", "qi/readme.md"]


# --- warnings, not rejections -----------------------------------------------------------


def test_header_only_file_loads_zero_rows_with_a_warning(landing, db):
    (landing / "omi2" / "header_only.csv").write_bytes(csv_bytes(f"{HEADER}\n"))
    report = load_landing(db, landing)
    outcome = next(o for o in report.outcomes if o.file == "omi2/header_only.csv")
    assert (outcome.status, outcome.rows) == ("loaded", 0)
    assert "omi2/header_only.csv: header only, loaded 0 rows" in report.warnings
    assert query(db, "select rows from raw.source_files where file = 'omi2/header_only.csv'") == [
        (0,)
    ]


def test_extra_unknown_columns_are_kept_and_warned_about(landing, db):
    content = csv_bytes(f"{HEADER},Team Code\n{GOOD_ROW},T42\n")
    (landing / "omi2" / "wider.csv").write_bytes(content)
    report = load_landing(db, landing)
    assert any("kept unknown column(s) Team Code" in w for w in report.warnings)
    assert query(
        db, "select \"Team Code\" from raw.omi2_cases where _source_file = 'omi2/wider.csv'"
    ) == [("T42",)]
    # Rows from files without the column have it NULL.
    assert query(
        db, "select count(\"Team Code\") from raw.omi2_cases where _source_file <> 'omi2/wider.csv'"
    ) == [(0,)]


def test_header_names_match_trimmed_and_case_insensitively(landing, db):
    header = HEADER.replace("CaseRef", " caseref ").replace("Trust", "TRUST")
    (landing / "omi2" / "loose.csv").write_bytes(csv_bytes(f"{header}\n{GOOD_ROW}\n"))
    load_landing(db, landing)
    assert query(
        db, 'select "CaseRef", "Trust" from raw.omi2_cases where _source_file = \'omi2/loose.csv\''
    ) == [("OMI2/KEN/0002", "Kent Probation Trust")]


def test_lf_line_endings_load_with_a_warning(landing, db):
    (landing / "omi2" / "unix.csv").write_bytes(f"{HEADER}\n{GOOD_ROW}\n".encode("cp1252"))
    report = load_landing(db, landing)
    assert any("LF line endings" in w for w in report.warnings)
    assert query(
        db, "select count(*) from raw.omi2_cases where _source_file = 'omi2/unix.csv'"
    ) == [(1,)]


# --- the landing folder as users leave it ---------------------------------------------


def test_folder_names_match_case_insensitively(landing, db):
    (landing / "omi2").rename(landing / "OMI2")
    (landing / "qi").rename(landing / "QI")
    report = load_landing(db, landing)
    # Named by the canonical folder, so renaming the folder later reloads nothing.
    assert sorted(o.file for o in report.outcomes) == [
        "omi2/omi2_extract_a.csv",
        "qi/QI_QI-2017-04-NOR.xlsx",
    ]
    assert query(db, "select count(*) from raw.omi2_cases") == [(3,)]


def test_a_missing_or_empty_landing_folder_is_an_error_naming_it(tmp_path, db):
    with pytest.raises(LandingEmpty, match=r"landing folder .*nowhere does not exist"):
        load_landing(db, tmp_path / "nowhere")
    (tmp_path / "empty" / "omi2").mkdir(parents=True)
    with pytest.raises(LandingEmpty, match=r"landing folder .*empty holds no extract"):
        load_landing(db, tmp_path / "empty")
    assert not db.exists()


def test_an_extract_at_the_landing_root_is_rejected_not_ignored(landing, db):
    message = reject(landing, db, "omi2_cases.csv", csv_bytes(f"{HEADER}\n{GOOD_ROW}\n"))
    assert "at the landing folder's root" in message and "omi2/" in message


def test_excel_lock_files_are_skipped_with_a_note(landing, db):
    (landing / "qi" / "~$QI_QI-2017-04-NOR.xlsx").write_bytes(b"\x00" * 165)
    report = load_landing(db, landing)
    assert report.count("loaded") == 2
    assert any(
        "~$QI_QI-2017-04-NOR.xlsx: skipped, an Excel lock file" in w for w in report.warnings
    )


def test_a_dangling_link_is_a_rejection_recorded_in_the_log(landing, db):
    (landing / "omi2" / "gone.csv").symlink_to(landing / "omi2" / "deleted.csv")
    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)
    (only,) = failure.value.rejections
    assert only.file == "omi2/gone.csv" and "does not exist" in str(only)
    assert query(db, "select file, status from raw.load_log") == [("omi2/gone.csv", "rejected")]


BOTH_UNREADABLE = [
    "omi2/omi2_extract_a.csv: cannot be read (Permission denied)",
    "qi/QI_QI-2017-04-NOR.xlsx: cannot be read (Permission denied)",
]


def test_an_unreadable_file_is_a_rejection_not_a_traceback(landing, db, monkeypatch):
    from public_protection import load

    real = load.sha256_of

    def refuse(path: Path) -> str:
        if path.suffix in (".csv", ".xlsx"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(load, "sha256_of", refuse)
    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)
    # Every file is tried: both are reported at once.
    assert [str(r) for r in failure.value.rejections] == BOTH_UNREADABLE


def test_the_same_bytes_under_two_names_in_one_batch_load_once(landing, db):
    shutil.copy(landing / "omi2" / OMI2_FIXTURE.name, landing / "omi2" / "zz_copy.csv")
    report = load_landing(db, landing)
    assert query(db, "select count(*) from raw.omi2_cases") == [(3,)]
    assert any(
        "omi2/zz_copy.csv: same content as omi2/omi2_extract_a.csv in this batch" in w
        for w in report.warnings
    )
    # The copy is passed over; the files after it still load.
    assert query(db, "select count(*) from raw.qi_cases") == [(3,)]


def test_an_encrypted_workbook_is_named_as_such(landing, db):
    content = (Path(__file__).parent / "fixtures" / "encrypted_workbook.xlsx").read_bytes()
    message = reject(landing, db, "qi/QI_QI-2017-10-KEN.xlsx", content)
    assert "password-protected (encrypted) workbook" in message
    assert "legacy" not in message


def test_a_long_free_text_field_loads_whole(landing, db):
    comment = "Long rationale. " * 10_000  # 160,000 characters
    row = GOOD_ROW.replace("Tom has a stable address", comment.strip())
    (landing / "omi2" / "long.csv").write_bytes(csv_bytes(f"{HEADER}\n{row}\n"))
    load_landing(db, landing)
    assert query(
        db,
        'select length("InspectorComments") from raw.omi2_cases '
        "where _source_file = 'omi2/long.csv'",
    ) == [(len(comment.strip()),)]


def test_rows_of_only_commas_are_skipped_with_a_warning(landing, db):
    empty = "," * (len(OMI2_CASES.columns) - 1)
    content = csv_bytes(f"{HEADER}\n{GOOD_ROW}\n{empty}\n{empty}\n")
    (landing / "omi2" / "commas.csv").write_bytes(content)
    report = load_landing(db, landing)
    assert query(
        db, "select count(*) from raw.omi2_cases where _source_file = 'omi2/commas.csv'"
    ) == [(1,)]
    assert "omi2/commas.csv: skipped 2 row(s) with no values" in " ".join(report.warnings)


def test_a_workbook_holding_another_inspections_rows_is_refused_naming_both(landing, db):
    rows = [list(r) for r in QI_CASE_ROWS]
    rows[1][1] = "QI-2017-10-CUM"
    path = write_workbook(landing / "qi" / "tmp.xlsx", qi_sheets(cases=rows))
    message = reject(landing, db, "qi/QI_QI-2017-04-NOR.xlsx", path.read_bytes())
    assert "row 3" in message and "column 'Inspection ID'" in message
    assert "'QI-2017-10-CUM' is not 'QI-2017-04-NOR'" in message


@pytest.mark.parametrize(
    ("value", "reason"),
    [("=1/0", "holds the Excel error #DIV/0!"), ("=A2&B2", "is a formula saved without its value")],
)
def test_error_and_uncalculated_cells_are_refused_naming_the_cell(landing, db, value, reason):
    rows = [list(r) for r in QI_CASE_ROWS]
    path = write_workbook(landing / "qi" / "tmp.xlsx", qi_sheets(cases=rows))
    workbook = openpyxl.load_workbook(path)
    if value == "=1/0":  # openpyxl writes an error value as t="e"
        workbook["Cases"]["G3"].value = "#DIV/0!"
        workbook["Cases"]["G3"].data_type = "e"
    else:  # a formula with no cached result, as tools that do not calculate save it
        workbook["Cases"]["G3"].value = value
    workbook.save(path)
    message = reject(landing, db, "qi/QI_QI-2017-04-NOR.xlsx", path.read_bytes())
    assert f"cell G3 of sheet 'Cases' {reason}" in message
    assert "row 3" in message and "column 'Age'" in message


# --- what the mutation run showed was not pinned -------------------------------------


def test_the_outcomes_the_log_and_the_warnings_of_an_ordinary_load(landing, db):
    # A hidden file at the root and in a folder, sorted before the extracts.
    (landing / ".DS_Store").write_bytes(b"\x00")
    (landing / "omi2" / ".gitkeep").write_bytes(b"")
    report = load_landing(db, landing)
    assert report.warnings == []  # no "header only", no note
    assert [o.message for o in report.outcomes] == ["rows: 3", "Cases: 3; Judgements: 6"]
    assert (report.count("loaded"), report.count("replaced"), report.count("unchanged")) == (
        2,
        0,
        0,
    )
    sha = hashlib.sha256(OMI2_FIXTURE.read_bytes()).hexdigest()
    assert query(
        db, "select sha256, file_kind from raw.load_log where file = 'omi2/omi2_extract_a.csv'"
    ) == [(sha, "omi2")]
    again = load_landing(db, landing)
    assert [(o.status, o.rows) for o in again.outcomes] == [("unchanged", 0), ("unchanged", 0)]


def test_an_unchanged_file_before_a_changed_one_does_not_stop_the_batch(landing, db):
    load_landing(db, landing)
    changed = QI_CASE_ROWS[:2]
    write_workbook(landing / "qi" / "QI_QI-2017-04-NOR.xlsx", qi_sheets(cases=changed))
    report = load_landing(db, landing)
    assert [(o.file, o.status) for o in report.outcomes] == [
        ("omi2/omi2_extract_a.csv", "unchanged"),
        ("qi/QI_QI-2017-04-NOR.xlsx", "replaced"),
    ]
    assert (report.count("replaced"), report.count("unchanged")) == (1, 1)
    assert query(db, "select count(*) from raw.qi_cases") == [(2,)]


def test_demo_files_are_recognised_byte_for_byte_by_the_manifest(landing, db):
    demo = landing / "omi2" / OMI2_FIXTURE.name
    listed = {"files": {"omi2/omi2_extract_a.csv": {"sha256": sha256_of(demo)}}}
    (landing / "manifest.json").write_text(json.dumps(listed), encoding="utf-8")
    load_landing(db, landing)
    assert query(db, "select file, is_demo from raw.source_files order by 1") == [
        ("omi2/omi2_extract_a.csv", True),
        ("qi/QI_QI-2017-04-NOR.xlsx", False),
    ]
    demo.write_bytes(demo.read_bytes() + b"\r\n")  # edited: now the user's
    load_landing(db, landing)
    assert query(db, "select is_demo from raw.source_files where file like 'omi2/%'") == [(False,)]


def test_extra_columns_in_a_workbook_name_the_sheet(landing, db):
    sheets = qi_sheets()
    sheets["Cases"] = [[*sheets["Cases"][0], "Team"], *[[*r, "T1"] for r in sheets["Cases"][1:]]]
    write_workbook(landing / "qi" / "QI_QI-2017-04-NOR.xlsx", sheets)
    report = load_landing(db, landing)
    assert (
        "qi/QI_QI-2017-04-NOR.xlsx [Cases]: kept unknown column(s) Team in raw.qi_cases"
        in report.warnings
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda root: (root / "exports").mkdir(), "unexpected folder in the landing folder"),
        (lambda root: [(root / "qi").rename(root / "Qi_old"), (root / "qi").write_bytes(b"x")],
         "file at the landing folder's root"),
    ],
    ids=["unknown folder", "a file named like a folder"],
)  # fmt: skip
def test_what_does_not_belong_in_the_landing_folder_is_refused_by_name(landing, db, make, reason):
    make(landing)
    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)
    assert any(reason in str(r) for r in failure.value.rejections)


def test_files_listed_after_a_lock_file_still_load(landing, db):
    (landing / "omi2" / "~$omi2_extract_a.csv").write_bytes(b"\x00")
    (landing / "omi2" / "~later.csv").write_bytes(csv_bytes(f"{HEADER}\n{GOOD_ROW}\n"))
    report = load_landing(db, landing)
    assert "omi2/~later.csv" in {o.file for o in report.outcomes if o.status == "loaded"}


def test_an_unreadable_manifest_makes_every_file_the_users(landing, db):
    (landing / "manifest.json").write_text('{"files": ["not", "a", "mapping"]', encoding="utf-8")
    load_landing(db, landing)
    assert query(db, "select count(*) from raw.source_files where not is_demo") == [(2,)]


def test_a_landing_folder_with_only_workbooks_loads_them(landing, db):
    shutil.rmtree(landing / "omi2")
    report = load_landing(db, landing)
    assert [(o.file, o.status) for o in report.outcomes] == [
        ("qi/QI_QI-2017-04-NOR.xlsx", "loaded")
    ]


def test_a_file_that_cannot_be_read_part_way_is_a_rejection(landing, db, monkeypatch):
    from public_protection import readers

    def refuse(source: readers.LandingFile):
        raise PermissionError(13, "Permission denied", str(source.path))

    for suffix in readers.READERS:
        monkeypatch.setitem(readers.READERS, suffix, refuse)
    with pytest.raises(LoadFailed) as failure:
        load_landing(db, landing)
    assert [str(r) for r in failure.value.rejections] == BOTH_UNREADABLE


def test_a_warehouse_file_that_is_not_duckdb_is_named_and_left_as_it_was(landing, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    db.write_bytes(b"not a DuckDB database, and not ours to overwrite\n" * 10)
    before = db.read_bytes()
    with pytest.raises(RuntimeError, match=f"cannot open the warehouse {db}"):
        load_landing(db, landing)
    assert db.read_bytes() == before


def test_folders_differing_only_in_case_are_refused_and_the_others_still_read(landing):
    from public_protection.load import discover

    (landing / "OMI2").mkdir()
    found = discover(landing)
    assert any("folder names match case-insensitively" in str(r) for r in found.rejected)
    assert "qi/QI_QI-2017-04-NOR.xlsx" in [name for name, _ in found.files]


def test_a_link_to_an_extract_is_loaded_like_the_extract(landing, db, tmp_path):
    elsewhere = tmp_path / "kept" / "extract.csv"
    elsewhere.parent.mkdir()
    (landing / "omi2" / OMI2_FIXTURE.name).rename(elsewhere)
    (landing / "omi2" / "linked.csv").symlink_to(elsewhere)
    report = load_landing(db, landing)
    assert report.count("loaded") == 2
    assert query(db, "select count(*) from raw.omi2_cases") == [(3,)]


def test_a_warehouse_in_a_folder_not_yet_made_is_made_and_no_scratch_file_is_left(
    landing, tmp_path
):
    db = tmp_path / "new" / "deeper" / "w.duckdb"
    load_landing(db, landing)
    assert query(db, "select count(*) from raw.qi_cases") == [(3,)]
    assert sorted(p.name for p in db.parent.iterdir()) == ["w.duckdb"]


def test_files_loaded_earlier_and_now_gone_are_reported_and_kept(landing, db):
    load_landing(db, landing)
    (landing / "omi2" / OMI2_FIXTURE.name).unlink()
    report = load_landing(db, landing)
    assert [(o.file, o.status) for o in report.outcomes] == [
        ("qi/QI_QI-2017-04-NOR.xlsx", "unchanged"),
        ("omi2/omi2_extract_a.csv", "unchanged"),
    ]
    gone = "no longer in the landing folder; its rows stay in raw"
    assert any(gone in w for w in report.warnings)
    assert query(db, "select count(*) from raw.omi2_cases") == [(3,)]
