"""The landing layout: which files each programme's extracts come in, and which raw
tables, sheets and columns they feed.

Data, not code: one file per programme in ``config/landing/`` (``omi2.yml``,
``qi.yml``; docs/input-contract.md describes them), read once here so that the
loader, the demo generator and the quality suites agree. A new programme whose
extracts are CSV files or workbooks is a new file there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from public_protection.settings import find_project_dir

LAYOUT_FOLDER = Path("config") / "landing"
READABLE_EXTENSIONS = (".csv", ".xlsx")  # the readers there are (readers.py)


@dataclass(frozen=True)
class RawTable:
    """One raw table: where its rows come from and which columns it must have."""

    name: str  # table name in the ``raw`` schema
    folder: str  # sub-folder of the landing folder
    extension: str  # file extension, lower case, with the dot
    sheet: str | None  # worksheet name for workbooks, None for CSV
    columns: tuple[str, ...]  # required columns, in the spec's order
    encoding: str | None = None  # a CSV file's text encoding
    # every row's Inspection ID must be the one the workbook is named by (QI_<id>.xlsx)
    inspection_in_file_name: bool = False

    @property
    def qualified_name(self) -> str:
        return f"raw.{self.name}"


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
                    folder=str(layout["folder"]).lower(),
                    extension=extension,
                    sheet=table.get("sheet"),
                    columns=tuple(str(c) for c in table["columns"]),
                    encoding=table.get("encoding"),
                    inspection_in_file_name=bool(table.get("inspection_in_file_name", False)),
                )
            )
    names = [t.name for t in tables]
    if len(set(names)) != len(names) or not tables:
        raise ValueError(f"{folder}: raw table names must be unique, and there must be some")
    return tuple(tables)


RAW_TABLES: tuple[RawTable, ...] = read_layouts()


def raw_table(name: str) -> RawTable:
    return next(t for t in RAW_TABLES if t.name == name)


# The tables the programme-specific code (the demo generator, the raw guards) names.
OMI2_CASES = raw_table("omi2_cases")
QI_CASES = raw_table("qi_cases")
QI_JUDGEMENTS = raw_table("qi_judgements")
OMI2_JUDGEMENT_COLUMNS = ("RH05", "RH08", "RH09", "RH10", "RV03", "RV04", "DL12")
OMI2_UNMATCHED_COLUMNS = ("PL01", "PL04", "IN02")

# Provenance columns added to every raw table (warehouse contract, ``raw`` schema).
PROVENANCE_COLUMNS = ("_source_file", "_source_sha256", "_source_row", "_loaded_at")

# What each landing sub-folder may hold.
LANDING_FOLDERS = {t.folder: t.extension for t in RAW_TABLES}

# The demo generator's record of what it wrote, at the landing folder's root.
DEMO_MANIFEST = "manifest.json"

QI_MATCHED_REFS = ("2.2", "2.5a", "2.5b", "2.5c", "4.3", "4.4", "5.1")
QI_UNMATCHED_REFS = ("3.1", "3.2", "5.4")

OMI2_ENCODING = OMI2_CASES.encoding
