"""The landing layout: which files each programme's extracts come in, and which raw
tables, sheets and columns they feed.

Data, not code: one file per programme in ``config/landing/`` (docs/input-contract.md
describes them), read once here so that the loader, the demo generator and the
quality suites agree. A new programme whose extracts are CSV files or workbooks is a
new file there: its folder, file type, tables, required columns, how its files are
named, and what the raw quality suite expects of its codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from public_protection.settings import find_project_dir

LAYOUT_FOLDER = Path("config") / "landing"
READABLE_EXTENSIONS = (".csv", ".xlsx")  # the readers there are (readers.py)


@dataclass(frozen=True)
class RawTable:
    """One raw table: where its rows come from and which columns it must have."""

    name: str  # table name in the ``raw`` schema
    programme: str  # the programme's code (seeds/programmes.csv)
    folder: str  # sub-folder of the landing folder
    extension: str  # file extension, lower case, with the dot
    sheet: str | None  # worksheet name for workbooks, None for CSV
    columns: tuple[str, ...]  # required columns, in the spec's order
    encoding: str = "utf-8"  # a CSV file's text encoding
    # How a file is named when it holds one inspection, ``{inspection}`` standing for
    # the inspection's id (e.g. ``X_{inspection}.xlsx``); with ``inspection_column``,
    # every row's id there must be the one the file is named for.
    file_name: str | None = None
    inspection_column: str | None = None
    # What the raw quality suite expects of the codes as received (quality/suites.py).
    checks: tuple[dict[str, Any], ...] = ()

    @property
    def qualified_name(self) -> str:
        return f"raw.{self.name}"

    def inspection_named_by(self, file_name: str) -> str | None:
        """The inspection id a file's name gives (upper case), if it follows ``file_name``."""
        if self.file_name is None:
            return None
        before, _, after = self.file_name.partition("{inspection}")
        pattern = f"^{re.escape(before)}(?P<inspection>.+){re.escape(after)}$"
        match = re.match(pattern, file_name, re.IGNORECASE)
        return match["inspection"].strip().upper() if match else None


def read_layouts(project_dir: Path | None = None) -> tuple[RawTable, ...]:
    """Every raw table of every programme's layout file, in file and table order."""
    folder = (project_dir or find_project_dir()) / LAYOUT_FOLDER
    tables: list[RawTable] = []
    for path in sorted(folder.glob("*.yml")):
        layout = yaml.safe_load(path.read_text(encoding="utf-8"))
        where = f"{LAYOUT_FOLDER / path.name}"
        extension = str(layout["extension"]).lower()
        if extension not in READABLE_EXTENSIONS:
            raise ValueError(f"{where}: no reader for {extension} files ({READABLE_EXTENSIONS})")
        for table in layout["tables"]:
            if (extension == ".xlsx") != bool(table.get("sheet")):
                raise ValueError(f"{where}: {table['name']}: a sheet for workbooks, none for CSV")
            tables.append(
                RawTable(
                    name=table["name"],
                    programme=str(layout["programme"]),
                    folder=str(layout["folder"]).lower(),
                    extension=extension,
                    sheet=table.get("sheet"),
                    columns=tuple(str(c) for c in table["columns"]),
                    encoding=table.get("encoding", "utf-8"),
                    file_name=layout.get("file_name"),
                    inspection_column=table.get("inspection_column"),
                    checks=tuple(table.get("checks", ())),
                )
            )
            _check_layout_table(where, tables[-1])
    names = [t.name for t in tables]
    if len(set(names)) != len(names) or not tables:
        raise ValueError(f"{folder}: raw table names must be unique, and there must be some")
    return tuple(tables)


CHECK_KINDS = ("required", "present", "code_list", "seed", "between")


def _check_layout_table(where: str, table: RawTable) -> None:
    """Refuse a layout whose checks or file naming could not be applied."""
    if table.inspection_column and table.file_name is None:
        raise ValueError(f"{where}: {table.name}: inspection_column needs the layout's file_name")
    if table.file_name is not None and "{inspection}" not in table.file_name:
        raise ValueError(f"{where}: file_name must contain {{inspection}}")
    for check in table.checks:
        column, value = check.get("column"), check.get("value")
        if (column is None) == (value is None):
            raise ValueError(f"{where}: {table.name}: a check has a column or a value (SQL)")
        if column is not None and column not in table.columns:
            raise ValueError(f"{where}: {table.name}: a check's column {column!r} is not required")
        if value is not None and "name" not in check:
            raise ValueError(f"{where}: {table.name}: a check on a value needs a name")
        if not any(kind in check for kind in CHECK_KINDS):
            raise ValueError(f"{where}: {table.name}: a check needs one of {CHECK_KINDS}")


RAW_TABLES: tuple[RawTable, ...] = read_layouts()


def raw_table(name: str) -> RawTable:
    return next(t for t in RAW_TABLES if t.name == name)


# Provenance columns added to every raw table (warehouse contract, ``raw`` schema).
PROVENANCE_COLUMNS = ("_source_file", "_source_sha256", "_source_row", "_loaded_at")

# What each landing sub-folder may hold.
LANDING_FOLDERS = {t.folder: t.extension for t in RAW_TABLES}

# The demo generator's record of what it wrote, at the landing folder's root.
DEMO_MANIFEST = "manifest.json"
