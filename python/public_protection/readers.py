"""Read landing files into rows of text, or reject them with a precise reason.

Only file-level problems are detected here (encoding, structure, missing
columns or sheets). Row contents are not judged: every cell lands as text and
staging decides what it means.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from public_protection.layout import PROVENANCE_COLUMNS, RawTable

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


# --- CSV ---------------------------------------------------------------------


# Bytes Windows-1252 leaves undefined: Python's cp1252 codec refuses them.
CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# A free-text field may be long (inspectors' rationales); Python's csv module
# stops at 131,072 characters by default. Past this limit a field is refused
# by name rather than mistaken for a truncated file.
MAX_FIELD_CHARS = 16 * 1024 * 1024
BLOCK_BYTES = 1 << 20


def check_cp1252(file: str, path: Path) -> list[str]:
    """Check a Windows-1252 CSV extract's bytes in one streaming pass; return warnings.

    Refused: an empty file, one that is not text, a UTF-8 byte-order mark, UTF-8
    text (non-ASCII bytes that decode as UTF-8 almost never occur in real
    cp1252 text), and bytes undefined in Windows-1252 (named by line and offset).
    Memory stays flat: the file is read a block at a time.
    """
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, is_ascii = True, True
    first_undefined: tuple[int, int, int] | None = None  # (byte, line, offset)
    lines = crlf = 0
    offset, last = 0, b""
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            if offset == 0:
                if block.startswith(b"\xef\xbb\xbf"):
                    raise FileRejected(
                        file, "starts with a UTF-8 byte-order mark; this extract must be cp1252"
                    )
                kind = sniff_kind(block[:512])
                if kind != "text":
                    raise FileRejected(file, f"has a .csv name but is {kind}")
            if is_ascii and not block.isascii():
                is_ascii = False
            if not is_ascii and is_utf8:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    is_utf8 = False
            if first_undefined is None and (match := CP1252_UNDEFINED.search(block)):
                line = lines + block.count(b"\n", 0, match.start()) + 1
                first_undefined = (block[match.start()], line, offset + match.start())
            lines += block.count(b"\n")
            crlf += block.count(b"\r\n")
            if last == b"\r" and block.startswith(b"\n"):
                crlf += 1  # a CRLF split across two blocks
            offset += len(block)
            last = block[-1:]
    if offset == 0:
        raise FileRejected(file, "file is empty (0 bytes)")
    if not is_ascii and is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if not is_ascii and is_utf8:
        raise FileRejected(
            file,
            "is UTF-8 encoded (non-ASCII text decodes as UTF-8); "
            "this extract must be cp1252 (Windows-1252)",
        )
    if first_undefined is not None:
        byte, line, at = first_undefined
        raise FileRejected(
            file,
            f"byte 0x{byte:02x} at line {line} (byte offset {at}) is not valid Windows-1252 text",
        )
    warnings = []
    if lines and crlf == 0:
        warnings.append(f"{file}: uses LF line endings; the spec says CRLF (loaded anyway)")
    if last not in (b"\n", b"\r"):
        warnings.append(f"{file}: does not end with a line break; check the last row is complete")
    return warnings


def check_encoding(file: str, path: Path, encoding: str) -> list[str]:
    """A CSV file in another encoding than Windows-1252: it must decode whole.

    The first byte that cannot be read is named. Memory stays flat, as in
    ``check_cp1252``: the file is decoded a block at a time.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0

    def decode(block: bytes, final: bool = False) -> None:
        # a character split across blocks waits in the decoder's buffer
        start = offset - len(decoder.getstate()[0])
        try:
            decoder.decode(block, final=final)
        except UnicodeDecodeError as error:
            raise FileRejected(
                file, f"is not {encoding} text: byte {start + error.start} cannot be read"
            ) from None

    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            decode(block)
            offset += len(block)
    if offset == 0:
        raise FileRejected(file, "file is empty (0 bytes)")
    decode(b"", final=True)
    return []


def read_csv(file: str, path: Path, table: RawTable) -> SheetReader:
    """Read a CSV extract as a stream of row chunks. ``file`` is the name used in messages."""
    encoding = table.encoding
    if encoding == "cp1252":
        warnings = check_cp1252(file, path)
    else:
        warnings = check_encoding(file, path, encoding)
    csv.field_size_limit(MAX_FIELD_CHARS)
    handle = path.open(encoding=encoding, newline="")
    reader = csv.reader(handle, strict=True)

    def next_record() -> list[str] | None:
        try:
            return next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                reason = (
                    f"a field near line {reader.line_num} is longer than "
                    f"{MAX_FIELD_CHARS:,} characters; is a quote left open?"
                )
            else:
                reason = (
                    f"malformed CSV near line {reader.line_num} ({error}); "
                    "the file may be truncated"
                )
            raise FileRejected(file, reason, row=None) from None

    try:
        header = next_record()
    except FileRejected:
        handle.close()
        raise
    if header is None or not any(cell.strip() for cell in header):
        handle.close()
        raise FileRejected(file, "has no header row")
    try:
        names, extras, blanks = match_header(file, table, header)
    except FileRejected:
        handle.close()
        raise
    # Trailing blank header cells (a trailing comma) are harmless; inner ones too,
    # as long as no row puts data under them.

    def chunks() -> Iterator[list[tuple[int, list[str | None]]]]:
        blank_lines = empty_rows = 0
        chunk: list[tuple[int, list[str | None]]] = []
        row_number = 1
        with handle:
            while (record := next_record()) is not None:
                if not record:  # an empty line between records
                    blank_lines += 1
                    continue
                row_number += 1
                if not any(value.strip() for value in record):
                    empty_rows += 1  # Excel's empty rows: only commas
                    continue
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
        if empty_rows:
            warnings.append(
                f"{file}: skipped {empty_rows} row(s) with no values (only commas: "
                "empty rows saved from Excel)"
            )

    kept = [n for i, n in enumerate(names) if i not in blanks]
    return SheetReader(table, kept, extras, chunks(), warnings)


# --- XLSX -----------------------------------------------------------------------


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


# --- the inspection a file is named for ------------------------------------------


def require_named_inspection(sheet: SheetReader, file: str, file_name: str) -> SheetReader:
    """Refuse a row whose inspection id is not the one the file is named for.

    A file is one inspection's (its layout's ``file_name``): rows carrying another
    inspection's id would mix its cases into (or, on reload, replace) that other
    inspection's. Blank ids pass here and are quarantined in staging with the reason.
    """
    table = sheet.table
    column = table.inspection_column
    pattern = (table.file_name or "").replace("{inspection}", "<inspection id>")
    expected = table.inspection_named_by(file_name)
    if expected is None:
        sheet.warnings.append(
            f"{file}: not named {pattern}, so its rows' inspection ids "
            "cannot be checked against the name"
        )
        return sheet
    position = sheet.columns.index(column)
    received_chunks = sheet.chunks

    def checked() -> Iterator[list[tuple[int, list[str | None]]]]:
        for chunk in received_chunks:
            for row_number, values in chunk:
                received = values[position]
                if received is not None and received.strip().upper() != expected:
                    raise FileRejected(
                        file,
                        f"the row's {column} {received.strip()!r} is not {expected!r}, the "
                        f"inspection the file is named for: one file per inspection, named "
                        f"{pattern}",
                        row=row_number,
                        column=column,
                    )
            yield chunk

    sheet.chunks = checked()
    return sheet
