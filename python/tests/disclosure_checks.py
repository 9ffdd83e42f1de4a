"""No count below the minimum n in any output: one check for every test that runs the
report on data with small groups.

Looks at every count in the CSVs, the workbook's sheets, the aggregate DuckDB file's
tables and the HTML's tables, and at the counts the regression sentences print. The
sample flow and the data-quality results are counts of records processed, not of
people with a characteristic, and are not suppressed (README, "Disclosure control").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
from test_report import parse

from public_protection.report.disclosure import SUPPRESSED

# Tables (by CSV stem; sheet titles and aggregate table names map to the same) whose
# counts are of records processed: not suppressed, not checked.
RECORDS_PROCESSED = ("sample_flow", "data_quality")
# A count column: "n", "OMI2 n", "All cases n" (CSV, workbook) or omi2_n (aggregate file).
COUNT_COLUMN = re.compile(r"(^|[ _])n$", re.IGNORECASE)
# Table 1 holds counts of cases in every column but the area.
COUNTS_ONLY = ("table_1",)
HTML_TABLES = ("table-", "figure", "programme-trend", "programme-table", "odds-")

Table = tuple[str, str, list[str], list[list]]  # (where, stem, header, rows)


def is_small(value, minimum: int) -> bool:
    """A printed count that discloses: more than zero and below the minimum."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer() and 0 < value < minimum
    number = str(value).replace(",", "").strip()
    return number.isdigit() and 0 < int(number) < minimum


def sentence_counts(sentence: str) -> list[str]:
    """The counts a regression sentence prints: its n, positives and listwise counts."""
    found = [
        n
        for group in re.findall(
            r"n = ([\d,]+)|with ([\d,]+) positive|([\d,]+) cases with a missing", sentence
        )
        for n in group
        if n
    ]
    if missing := re.search(r"cases missing each: ([^;]*);", sentence):
        found += re.findall(r" ([\d,]+)(?:,|$)", missing.group(1))
    return found


def _stem(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def output_tables(report_dir: Path, aggregate: Path | None = None) -> Iterator[Table]:
    """Every table of the CSVs, the workbook and (if given) the aggregate file."""
    for path in sorted((report_dir / "csv").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        yield f"csv/{path.name}", path.stem, header, rows
    workbook = openpyxl.load_workbook(report_dir / "public_protection_tables.xlsx")
    for sheet in workbook.worksheets[1:]:  # after Contents
        header = [str(c.value or "") for c in sheet[2]]
        rows = [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]
        yield f"workbook sheet {sheet.title!r}", _stem(sheet.title), header, rows
    if aggregate is None:
        return
    with duckdb.connect(str(aggregate), read_only=True) as con:
        names = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'report' and table_name <> 'about' order by all"
        ).fetchall()
        for (name,) in names:
            result = con.execute(f'select * from report."{name}"')
            header = [d[0] for d in result.description]
            yield f"aggregate report.{name}", name, header, [list(r) for r in result.fetchall()]


def small_counts(
    report_dir: Path, minimum: int, aggregate: Path | None = None
) -> tuple[list[str], int]:
    """Every count from 1 to ``minimum - 1`` in the outputs, and how many CSV cells are hidden.

    Returns (what discloses, where; the number of ``[c]`` cells in the CSVs' count
    columns) so a caller can also check that something was hidden at all.
    """
    disclosed: list[str] = []
    hidden = 0
    for where, stem, header, rows in output_tables(report_dir, aggregate):
        if stem in RECORDS_PROCESSED:
            continue
        if stem in COUNTS_ONLY:
            columns = list(range(1, len(header)))
        else:
            columns = [i for i, name in enumerate(header) if COUNT_COLUMN.search(name)]
        sentences = [i for i, name in enumerate(header) if name.lower() == "finding"]
        for row in rows:
            for i in columns:
                if is_small(row[i], minimum):
                    disclosed.append(f"{where}: {header[i]} = {row[i]} in {row}")
                hidden += where.startswith("csv/") and row[i] == SUPPRESSED
            for i in sentences:
                if any(is_small(n, minimum) for n in sentence_counts(str(row[i] or ""))):
                    disclosed.append(f"{where}: {row[i]}")
    page = parse(report_dir / "public_protection_report.html")
    for name, rows in page.tables.items():
        if not name.startswith(HTML_TABLES):
            continue
        for row in rows:
            for cell in row[1:]:  # the first is the row's label
                if "%" in cell or "." in cell or "\u2013" in cell:
                    continue  # a percentage, an interval, a ratio or a p-value
                if is_small(cell, minimum):
                    disclosed.append(f"HTML table {name}: {cell} in {row}")
    return disclosed, hidden
