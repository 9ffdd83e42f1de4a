"""Excel workbooks (Q&I): one sheet per raw table, cells read as text."""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from public_protection.layout import RawTable
from public_protection.readers.base import (
    BLOCK_BYTES,
    CHUNK_ROWS,
    FileRejected,
    LandingFile,
    SheetReader,
    StagedRows,
    match_header,
    require_named_inspection,
    shape_row,
    sniff_kind,
    stage_sheets,
)


def cell_text(value: Any) -> str | None:
    """Turn a cell into the text a person reading the sheet would see.

    Whole numbers lose Excel's ``.0``; dates become ISO dates. Stray spaces and
    letter case are kept as received: staging normalises them.
    """
    if type(value) is str:  # most cells: checked first, the loader's hot path
        return value or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    return text if text != "" else None


ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _is_encrypted(path: Path) -> bool:
    """A password-protected .xlsx: an Office container holding an EncryptedPackage stream."""
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            if ENCRYPTED_PACKAGE in tail + block:
                return True
            tail = block[-len(ENCRYPTED_PACKAGE) :]
    return False


@dataclass
class Workbook:
    """An open workbook: calamine's reader, and the file for what calamine does not say."""

    file: str
    path: Path
    reader: Any

    @property
    def sheet_names(self) -> list[str]:
        return list(self.reader.sheet_names)


def open_workbook(file: str, path: Path, data_head: bytes) -> Workbook:
    """Open an .xlsx for reading, or reject it saying what it really is.

    Read with calamine (a Rust reader, through python-calamine): about ten
    times faster than openpyxl on the Judgements sheets, which are the bulk of a
    load. Values come back as openpyxl would give them (text, float, bool,
    dates), and ``cell_text`` turns them into what the sheet shows; the tests
    read every fixture with both and compare.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    if path.stat().st_size == 0:
        raise FileRejected(file, "file is empty (0 bytes)")
    kind = sniff_kind(data_head)
    if kind == "text":
        raise FileRejected(file, "has an .xlsx name but is plain text (a CSV?), not a workbook")
    if kind.startswith("a legacy") and _is_encrypted(path):
        raise FileRejected(
            file,
            "is a password-protected (encrypted) workbook: save a copy without a password "
            "(File > Info > Protect Workbook > Encrypt with Password, cleared) and load that",
        )
    if not kind.startswith("a zip"):
        raise FileRejected(file, f"has an .xlsx name but is {kind}")
    if not zipfile.is_zipfile(path):
        raise FileRejected(file, "workbook is truncated or corrupt (not a complete zip archive)")
    try:
        return Workbook(file, path, CalamineWorkbook.from_path(str(path)))
    except CalamineError as error:
        raise FileRejected(file, f"is not a readable Excel workbook ({error})") from None
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRejected(file, f"workbook is truncated or corrupt ({error})") from None


# Cells calamine reads as empty although they are not: an Excel error value
# (t="e": #N/A, #REF!, ...) and a formula saved without its result (written by
# a tool that does not calculate). Either would land as a blank without a word.
ERROR_CELL = re.compile(rb'<c\b[^>]*?\bt="e"[^>]*>\s*<v>([^<]*)</v>')
FORMULA_WITHOUT_VALUE = re.compile(
    rb"<c\b([^>]*)>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>"
)
CELL_REFERENCE = re.compile(rb'\br="([A-Z]+)(\d+)"')


def _sheet_xml(path: Path, sheet: str) -> bytes | None:
    """The XML of the named worksheet, found through the workbook's relationships."""
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
        for match in re.finditer(rb"<sheet\b[^>]*>", book):
            tag = match.group(0)
            name = re.search(rb'\bname="([^"]*)"', tag)
            rid = re.search(rb'\br:id="([^"]*)"', tag) or re.search(rb'\bid="([^"]*)"', tag)
            if not name or not rid or _xml_text(name.group(1)) != sheet:
                continue
            target = re.search(
                rb'<Relationship\b[^>]*\bId="' + re.escape(rid.group(1)) + rb'"[^>]*>', rels
            )
            where = target and re.search(rb'\bTarget="([^"]*)"', target.group(0))
            if not where:
                return None
            inner = where.group(1).decode()
            inner = inner.lstrip("/") if inner.startswith("/") else f"xl/{inner}"
            return archive.read(inner)
    return None


def _xml_text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8"))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_cells(workbook: Workbook, sheet: str, header: list[Any]) -> None:
    """Refuse a sheet holding an Excel error or an uncalculated formula, naming the cell."""
    xml = _sheet_xml(workbook.path, sheet)
    if xml is None or (b't="e"' not in xml and b"<f" not in xml):
        return
    problems = []
    for match in ERROR_CELL.finditer(xml):
        problems.append((match.start(), f"holds the Excel error {_xml_text(match.group(1))}"))
    for match in FORMULA_WITHOUT_VALUE.finditer(xml):
        problems.append((match.start(), "is a formula saved without its value"))
    if not problems:
        return
    at, reason = min(problems)
    reference = CELL_REFERENCE.search(xml, at)
    letters, row = reference.group(1), int(reference.group(2))
    position = _column_number(letters)
    name = header[position - 1] if position <= len(header) else None
    more = f" ({len(problems) - 1} more cell(s) like it)" if len(problems) > 1 else ""
    raise FileRejected(
        workbook.file,
        f"cell {letters.decode()}{row} of sheet {sheet!r} {reason}{more}; open the workbook "
        "in Excel, correct or recalculate it, save, and load again (nothing is read as blank)",
        row=row,
        column=str(name).strip() if name else letters.decode(),
    )


def _sheet_rows(sheet) -> Iterator[tuple[Any, ...]]:
    """Every row from row 1, as a spreadsheet numbers them.

    calamine's rows start at row 1 (leading empty rows come as empty rows) but at
    the first used column: leading empty columns are put back so that column
    positions match the sheet (test_readers pins both).
    """
    first_column = sheet.start[1] if sheet.height else 0
    padding = (None,) * first_column
    for values in sheet.iter_rows():
        yield padding + tuple(values) if first_column else tuple(values)


def read_sheet(file: str, workbook: Workbook, table: RawTable) -> SheetReader:
    """Read one named sheet of an open workbook."""
    sheet_names = workbook.sheet_names
    by_name = {name.strip().lower(): name for name in sheet_names}
    assert table.sheet is not None
    actual = by_name.get(table.sheet.lower())
    if actual is None:
        raise FileRejected(
            file,
            f"missing sheet {table.sheet!r} (sheets found: {', '.join(sheet_names)})",
        )
    from python_calamine import CalamineError

    try:
        rows = _sheet_rows(workbook.reader.get_sheet_by_name(actual))
        header = next(rows)
    except StopIteration:
        raise FileRejected(file, f"sheet {table.sheet!r} is empty (no header row)") from None
    except (CalamineError, zipfile.BadZipFile, OSError, KeyError) as error:
        raise FileRejected(file, f"sheet {table.sheet!r} cannot be read ({error})") from None
    names, extras, blanks = match_header(file, table, list(header))
    try:
        check_cells(workbook, actual, list(header))
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise FileRejected(file, f"sheet {table.sheet!r} cannot be read ({error})") from None
    warnings: list[str] = []

    where, width = f"{file} [{table.sheet}]", len(names)

    def chunks() -> Iterator[list[tuple[int, list[str | None]]]]:
        chunk: list[tuple[int, list[str | None]]] = []
        empty_rows = 0
        try:
            for row_number, values in enumerate(rows, start=2):
                texts = [cell_text(v) for v in values]
                if texts.count(None) == len(texts):
                    empty_rows += 1  # formatting-only rows are not data
                    continue
                shaped = shape_row(where, row_number, texts, width, blanks)
                chunk.append((row_number, shaped))
                if len(chunk) >= CHUNK_ROWS:
                    yield chunk
                    chunk = []
        except (CalamineError, zipfile.BadZipFile, OSError, KeyError, EOFError) as error:
            raise FileRejected(
                file, f"sheet {table.sheet!r} is truncated or corrupt ({error})"
            ) from None
        if chunk:
            yield chunk
        if empty_rows:
            warnings.append(f"{file} [{table.sheet}]: skipped {empty_rows} empty row(s)")

    kept = [n for i, n in enumerate(names) if i not in blanks]
    return SheetReader(table, kept, extras, chunks(), warnings)


def stage(source: LandingFile) -> StagedRows:
    """The reader of ``.xlsx`` files: a sheet per layout table, each row's inspection id
    checked against the inspection the file is named for."""
    with source.path.open("rb") as handle:
        head = handle.read(512)
    workbook = open_workbook(source.name, source.path, head)
    sheets = []
    for table in source.tables:
        sheet = read_sheet(source.name, workbook, table)
        if table.inspection_column:
            sheet = require_named_inspection(sheet, source.name, source.path.name)
        sheets.append(sheet)
    return stage_sheets(source, sheets)
