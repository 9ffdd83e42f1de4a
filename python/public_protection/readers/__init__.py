"""Readers of landing files, one module per file format, and the registry of them.

Every reader has one signature (``base.Reader``): a ``LandingFile`` in, ``StagedRows``
out, or ``FileRejected`` naming the file, row, column and reason. The loader picks a
file's reader here by its suffix, and the layout check asks here which suffixes can be
read. Adding a format is one module and one line below (see docs/architecture.md).
"""

from __future__ import annotations

from public_protection.layout import RAW_TABLES, RawTable
from public_protection.readers import csv_files, json_files, xlsx_files
from public_protection.readers.base import (
    FileRejected,
    LandingFile,
    Reader,
    SheetReader,
    StagedRows,
    StagedTable,
)

READERS: dict[str, Reader] = {
    ".csv": csv_files.stage,
    ".xlsx": xlsx_files.stage,
    ".json": json_files.stage,
}


def reader_for(suffix: str) -> Reader:
    """The reader of files ending in ``suffix`` (any letter case)."""
    try:
        return READERS[suffix.lower()]
    except KeyError:
        raise ValueError(f"no reader for {suffix} files (readers: {', '.join(READERS)})") from None


def check_readable(tables: tuple[RawTable, ...] = RAW_TABLES) -> None:
    """Refuse layouts (``config/landing/*.yml``) whose files no reader reads."""
    unreadable = sorted(
        {f"{t.folder}/ ({t.extension})" for t in tables if t.extension not in READERS}
    )
    if unreadable:
        raise ValueError(
            f"no reader for the files of {', '.join(unreadable)}: the readers are "
            f"{', '.join(READERS)} (python/public_protection/readers)"
        )


__all__ = [
    "READERS",
    "FileRejected",
    "LandingFile",
    "Reader",
    "SheetReader",
    "StagedRows",
    "StagedTable",
    "check_readable",
    "reader_for",
]
