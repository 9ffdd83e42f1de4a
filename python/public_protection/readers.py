"""Read landing files into rows of text, or reject them with a precise reason.

Only file-level problems are detected here (encoding, structure, missing
columns or sheets). Row contents are not judged: every cell lands as text and
staging decides what it means.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from public_protection.layout import OMI2_CASES, OMI2_ENCODING, PROVENANCE_COLUMNS, RawTable

# Rows are handed to the writer in chunks so memory stays flat on big extracts.
CHUNK_ROWS = 50_000


class FileRejected(Exception):
    """A landing file that cannot be loaded. The message names file, place and reason."""

    def __init__(self, file: str, reason: str, row: int | None = None, column: str | None = None):
        self.file = file
        self.reason = reason
        self.row = row
        self.column = column
        self.sha256 = ""  # filled in by the loader once the file is hashed
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {reason}")


@dataclass
class SheetReader:
    """Header of one table read from a file, and an iterator of its row chunks.

    ``columns`` are the canonical spec names for known columns and the received
    (trimmed) names for extra ones. Each chunk is a list of ``(row_number, values)``
    where ``row_number`` counts the header as row 1, as a spreadsheet does.
    """

    table: RawTable
    columns: list[str]
    extra_columns: list[str]
    chunks: Iterator[list[tuple[int, list[str | None]]]]
    warnings: list[str] = field(default_factory=list)


def sniff_kind(head: bytes) -> str:
    """Say what a file looks like from its first bytes, whatever its name says."""
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (Excel .xlsx workbook)"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "a legacy binary Office file (.xls)"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if b"\x00" in head:
        return "binary data"
    return "text"


def match_header(
    file: str, table: RawTable, received: list[Any]
) -> tuple[list[str], list[str], list[int]]:
    """Map a received header row onto the spec's columns.

    Names are compared trimmed and case-insensitively, so ``" caseref"`` is
    ``CaseRef``. Returns the column names to store, the extra (unknown)
    columns, and the positions of trailing blank header cells to ignore.
    Raises ``FileRejected`` for missing required columns, duplicate names, or a
    blank header over data (checked later by the caller per row).
    """
    canonical = {name.lower(): name for name in table.columns}
    reserved = {name.lower() for name in PROVENANCE_COLUMNS}
    names: list[str] = []
    extras: list[str] = []
    blank_positions: list[int] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(received, start=1):
        text = "" if cell is None else str(cell).strip()
        if not text:
            blank_positions.append(position - 1)
            names.append("")
            continue
        key = text.lower()
        if key in reserved:
            raise FileRejected(
                file, f"header uses the reserved provenance name {text!r}", row=1, column=text
            )
        if key in seen:
            raise FileRejected(
                file,
                f"header names {text!r} twice (columns {seen[key]} and {position})",
                row=1,
                column=text,
            )
        seen[key] = position
        if key in canonical:
            names.append(canonical[key])
        else:
            names.append(text)
            extras.append(text)
    missing = [name for name in table.columns if name.lower() not in seen]
    if missing:
        raise FileRejected(
            file,
            f"missing required column(s) {', '.join(missing)}"
            + (f" in sheet {table.sheet!r}" if table.sheet else ""),
            row=1,
        )
    return names, extras, blank_positions


def _shape_row(
    file: str,
    row_number: int,
    texts: list[str | None],
    width: int,
    blank_positions: list[int],
) -> list[str | None]:
    """Cut a row of cell texts to the header's width; data under a blank header is an error."""
    if len(texts) == width and not blank_positions:
        return texts  # the usual row: nothing to check or cut
    for position in blank_positions:
        if position < len(texts) and texts[position] is not None:
            raise FileRejected(
                file,
                f"value {texts[position]!r} in column {position + 1} has no header",
                row=row_number,
            )
    for position in range(width, len(texts)):
        if texts[position] is not None:
            raise FileRejected(
                file,
                f"value in column {position + 1} lies beyond the header's {width} columns",
                row=row_number,
            )
    shaped = texts[:width] + [None] * (width - len(texts))
    if blank_positions:
        shaped = [v for i, v in enumerate(shaped) if i not in blank_positions]
    return shaped


# --- CSV (OMI2) ---------------------------------------------------------------


def decode_cp1252(file: str, data: bytes) -> tuple[str, list[str]]:
    """Decode an OMI2 extract strictly as Windows-1252.

    UTF-8 input is refused rather than decoded into mojibake: bytes that form
    valid multi-byte UTF-8 sequences almost never occur in real cp1252 text.
    """
    warnings: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        raise FileRejected(
            file, "starts with a UTF-8 byte-order mark; the OMI2 extract must be cp1252"
        )
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise FileRejected(
                file,
                "is UTF-8 encoded (non-ASCII text decodes as UTF-8); "
                "the OMI2 extract must be cp1252 (Windows-1252)",
            )
    try:
        text = data.decode(OMI2_ENCODING)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileRejected(
            file,
            f"byte 0x{data[error.start]:02x} at line {line} (byte offset {error.start}) "
            "is not valid Windows-1252 text",
            row=None,
        ) from None
    if "\r\n" not in text and "\n" in text:
        warnings.append(f"{file}: uses LF line endings; the spec says CRLF (loaded anyway)")
    if text and not text.endswith(("\n", "\r")):
        warnings.append(f"{file}: does not end with a line break; check the last row is complete")
    return text, warnings


def read_csv(file: str, data: bytes, table: RawTable = OMI2_CASES) -> SheetReader:
    """Read an OMI2 CSV extract. ``file`` is the name used in messages."""
    if not data:
        raise FileRejected(file, "file is empty (0 bytes)")
    kind = sniff_kind(data[:512])
    if kind != "text":
        raise FileRejected(file, f"has a .csv name but is {kind}")
    text, warnings = decode_cp1252(file, data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)

    def next_record() -> list[str] | None:
        try:
            return next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            raise FileRejected(
                file,
                f"malformed CSV near line {reader.line_num} ({error}); the file may be truncated",
                row=None,
            ) from None

    header = next_record()
    if header is None or not any(cell.strip() for cell in header):
        raise FileRejected(file, "has no header row")
    names, extras, blanks = match_header(file, table, header)
    # Trailing blank header cells (a trailing comma) are harmless; inner ones too,
    # as long as no row puts data under them.
    blank_lines = 0

    def chunks() -> Iterator[list[tuple[int, list[str | None]]]]:
        nonlocal blank_lines
        chunk: list[tuple[int, list[str | None]]] = []
        row_number = 1
        while (record := next_record()) is not None:
            if not record:  # an empty line between records
                blank_lines += 1
                continue
            row_number += 1
            if len(record) < len(names):
                raise FileRejected(
                    file,
                    f"has {len(record)} fields where the header has {len(names)} "
                    f"(line {reader.line_num}); the row is truncated or malformed",
                    row=row_number,
                )
            # A blank CSV field cannot be told from a missing one: both land as NULL.
            texts = [value or None for value in record]
            chunk.append((row_number, _shape_row(file, row_number, texts, len(names), blanks)))
            if len(chunk) >= CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        if blank_lines:
            warnings.append(f"{file}: skipped {blank_lines} empty line(s)")

    kept = [n for i, n in enumerate(names) if i not in blanks]
    return SheetReader(table, kept, extras, chunks(), warnings)


# --- XLSX (Q&I) -----------------------------------------------------------------


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


def open_workbook(file: str, path: Path, data_head: bytes):
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
    if not kind.startswith("a zip"):
        raise FileRejected(file, f"has an .xlsx name but is {kind}")
    if not zipfile.is_zipfile(path):
        raise FileRejected(file, "workbook is truncated or corrupt (not a complete zip archive)")
    try:
        return CalamineWorkbook.from_path(str(path))
    except CalamineError as error:
        raise FileRejected(file, f"is not a readable Excel workbook ({error})") from None
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRejected(file, f"workbook is truncated or corrupt ({error})") from None


def _sheet_rows(sheet) -> Iterator[tuple[Any, ...]]:
    """Every row from row 1, as a spreadsheet numbers them.

    calamine starts at the first used cell; leading empty rows and columns are
    put back so that row numbers and column positions match the sheet.
    """
    first_row, first_column = sheet.start if sheet.height else (0, 0)
    for _ in range(first_row):
        yield ()
    padding = (None,) * first_column
    for values in sheet.iter_rows():
        yield padding + tuple(values) if first_column else tuple(values)


def read_sheet(file: str, workbook, table: RawTable) -> SheetReader:
    """Read one named sheet of an open workbook."""
    sheet_names = list(workbook.sheet_names)
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
        rows = _sheet_rows(workbook.get_sheet_by_name(actual))
        header = next(rows)
    except StopIteration:
        raise FileRejected(file, f"sheet {table.sheet!r} is empty (no header row)") from None
    except (CalamineError, zipfile.BadZipFile, OSError, KeyError) as error:
        raise FileRejected(file, f"sheet {table.sheet!r} cannot be read ({error})") from None
    names, extras, blanks = match_header(file, table, list(header))
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
                shaped = _shape_row(where, row_number, texts, width, blanks)
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
