"""What every reader shares: the refusal, the reader's signature, header matching.

A reader takes one ``LandingFile`` and returns ``StagedRows``: the file's rows, read and
checked, in tables of the scratch database, or it raises ``FileRejected`` naming the
file, row, column and reason. Only file-level problems are judged by readers
(encoding, structure, missing columns or sheets); every cell lands as text and
staging decides what it means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from public_protection.layout import PROVENANCE_COLUMNS, RawTable
from public_protection.sql import quote_identifier

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


def shape_row(
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


# Files are read a block at a time, so memory stays flat on big files.
BLOCK_BYTES = 1 << 20

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


# --- the reader's signature: a landing file in, staged rows out ---------------------


@dataclass(frozen=True)
class LandingFile:
    """One landing file to read, and the scratch database its rows are staged in."""

    name: str  # as logged: ``<folder>/<file name>``
    path: Path
    tables: list[RawTable]  # the raw tables its layout says it feeds
    sha256: str
    loaded_at: dt.datetime
    scratch: duckdb.DuckDBPyConnection
    prefix: str  # its tables in the scratch database are ``<prefix>_<raw table>``
    workdir: Path  # owner-only folder for any copy the reader needs


@dataclass
class StagedTable:
    """One raw table's rows from a file, waiting in the scratch database."""

    table: RawTable
    scratch_table: str
    extra_columns: list[str]
    rows: int


@dataclass
class StagedRows:
    """What a reader made of a file: its tables in the scratch database, and warnings."""

    tables: list[StagedTable]
    warnings: list[str] = field(default_factory=list)


Reader = Callable[[LandingFile], StagedRows]


def stage_sheet(source: LandingFile, sheet: SheetReader) -> StagedTable:
    """Write a sheet's rows, chunk by chunk, into a table of the scratch database.

    Each chunk is committed on its own (the scratch file is thrown away), so
    memory stays flat however big the file: the warehouse's own transaction
    later takes the rows in one ``insert ... select``, which DuckDB writes
    straight to disk.
    """
    scratch, scratch_table = source.scratch, f"{source.prefix}_{sheet.table.name}"
    columns = ", ".join(f"{quote_identifier(c)} varchar" for c in sheet.columns)
    scratch.execute(
        f"create table {scratch_table} ({columns}, _source_file varchar, "
        "_source_sha256 varchar, _source_row integer, _loaded_at timestamp)"
    )
    total = 0
    for chunk in sheet.chunks:
        frame = pd.DataFrame([v for _, v in chunk], columns=sheet.columns, dtype=object)
        frame["_source_file"] = source.name
        frame["_source_sha256"] = source.sha256
        frame["_source_row"] = [number for number, _ in chunk]
        frame["_loaded_at"] = source.loaded_at
        scratch.register("incoming_chunk", frame)
        try:
            scratch.execute(f"insert into {scratch_table} by name select * from incoming_chunk")
        finally:
            scratch.unregister("incoming_chunk")
        total += len(chunk)
    return StagedTable(sheet.table, scratch_table, sheet.extra_columns, total)


def stage_sheets(source: LandingFile, sheets: list[SheetReader]) -> StagedRows:
    """Stage a reader's sheets, one table each, with the warnings they raised."""
    staged = [stage_sheet(source, sheet) for sheet in sheets]
    return StagedRows(staged, [w for sheet in sheets for w in sheet.warnings])
