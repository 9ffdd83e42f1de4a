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


@dataclass(frozen=True)
class JsonRecords:
    """Where a JSON export's rows for one raw table are, and which fields they keep.

    Fields are named by their path (``mappa.eligible``). The raw table's columns are
    ``document_columns`` (the export's own fields, on each of its rows), then
    ``parent_columns`` (fields of the record a nested list sits in), then ``fields``.
    """

    records: tuple[str, ...]  # the path of lists to the rows: ("cases",) or ("cases", "ratings")
    fields: tuple[str, ...]
    document_columns: tuple[str, ...] = ()
    parent_columns: tuple[str, ...] = ()
    nested: tuple[str, ...] = ()  # lists each record must have, read by another table
    key: str | None = None  # a field unique within a file
    format_field: str | None = None
    formats: tuple[str, ...] = ()
    inspection_field: str | None = None


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
    # A re-export of an inspection: this suffix (``_{n}``, n = 2, 3, ...) before the extension.
    reexport_suffix: str | None = None
    # JSON exports (``json`` below): where a table's rows are and which fields it keeps.
    json: JsonRecords | None = None

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

    def names_inspection(self, file_name: str, inspection: str) -> bool:
        """Whether ``file_name`` is this inspection's file name, or a re-export's."""
        if self.file_name is None:
            return True
        before, _, after = self.file_name.partition("{inspection}")
        suffix = ""
        if self.reexport_suffix:
            # _{n}: n from 2 (2-9, or 10 and up without a leading zero), as the tool
            # numbers re-exports
            start, _, end = self.reexport_suffix.partition("{n}")
            suffix = f"(?:{re.escape(start)}(?:[2-9]|[1-9][0-9]+){re.escape(end)})?"
        pattern = f"{re.escape(before)}{re.escape(inspection.strip())}{suffix}{re.escape(after)}"
        return re.fullmatch(pattern, file_name, re.IGNORECASE) is not None


def read_layouts(project_dir: Path | None = None) -> tuple[RawTable, ...]:
    """Every raw table of every programme's layout file, in file and table order."""
    folder = (project_dir or find_project_dir()) / LAYOUT_FOLDER
    tables: list[RawTable] = []
    for path in sorted(folder.glob("*.yml")):
        layout = yaml.safe_load(path.read_text(encoding="utf-8"))
        where = f"{LAYOUT_FOLDER / path.name}"
        extension = str(layout["extension"]).lower()
        for table in layout["tables"]:
            if (extension == ".xlsx") != bool(table.get("sheet")):
                raise ValueError(f"{where}: {table['name']}: a sheet for workbooks, none for CSV")
            if (extension == ".json") != bool(table.get("records")):
                raise ValueError(f"{where}: {table['name']}: records for JSON, none otherwise")
            json_records = _json_records(layout, table) if extension == ".json" else None
            columns = tuple(str(c) for c in table["columns"])
            if json_records is not None:
                columns = (
                    *json_records.document_columns,
                    *json_records.parent_columns,
                    *json_records.fields,
                )
            tables.append(
                RawTable(
                    name=table["name"],
                    programme=str(layout["programme"]),
                    folder=str(layout["folder"]).lower(),
                    extension=extension,
                    sheet=table.get("sheet"),
                    columns=columns,
                    encoding=table.get("encoding", "utf-8"),
                    file_name=layout.get("file_name"),
                    inspection_column=table.get("inspection_column"),
                    checks=tuple(table.get("checks", ())),
                    reexport_suffix=layout.get("reexport_suffix"),
                    json=json_records,
                )
            )
            _check_layout_table(where, tables[-1])
    names = [t.name for t in tables]
    if len(set(names)) != len(names) or not tables:
        raise ValueError(f"{folder}: raw table names must be unique, and there must be some")
    return tuple(tables)


def _json_records(layout: dict, table: dict) -> JsonRecords:
    def paths(key: str, source: dict = table) -> tuple[str, ...]:
        return tuple(str(p) for p in source.get(key, ()))

    return JsonRecords(
        records=tuple(str(table["records"]).split(".")),
        fields=paths("columns"),
        document_columns=paths("document_columns"),
        parent_columns=paths("parent_columns"),
        nested=paths("nested"),
        key=table.get("key"),
        format_field=layout.get("format_field"),
        formats=paths("formats", layout),
        inspection_field=layout.get("inspection_field"),
    )


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
