"""The report's tables as an Excel workbook and CSV files, for analysts to paste on.

Both carry exactly what the HTML shows (suppressed cells as ``[c]``), one sheet /
file per table, percentages to one decimal place as printed. The workbook is
written with openpyxl and then re-zipped with fixed timestamps so that the same
warehouse gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from public_protection.report.data import ReportData
from public_protection.report.disclosure import SUPPRESSED
from public_protection.report.findings import QuestionFindings
from public_protection.report.tables import (
    TREND_TITLE,
    Cell,
    Layout,
    SubgroupTable,
    TrendRow,
    grade_notes,
)

FIXED_ZIP_TIME = (2018, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = "2018-01-01T00:00:00Z"


class Sheet(NamedTuple):
    """One table of the report: file stem, title, header, rows, and the header labels
    that identify a row (the aggregate file's primary key)."""

    stem: str
    title: str
    header: list[str]
    rows: list[list]
    key: tuple[str, ...] = ()


def _n(cell: Cell) -> int | str:
    return SUPPRESSED if cell.suppressed else cell.n


def _one_dp(cell: Cell, value: float | None) -> float | str | None:
    if cell.suppressed:
        return SUPPRESSED
    return None if value is None else round(value, 1)


def _change(row: TrendRow) -> float | str | None:
    """A trend row's change: hidden when a level is, empty with no baseline."""
    if row.change_hidden:
        return SUPPRESSED
    return None if row.change_pp is None else round(row.change_pp, 1)


def _p(value: float | None) -> float | None:
    """A p-value as the warehouse holds it, to 12 significant digits: never rounded to
    0 (a tiny p keeps its exponent), and the same number in the CSV and the workbook."""
    return None if value is None or pd.isna(value) else float(f"{value:.12g}")


def _subgroup_sheet(stem: str, title: str, table: SubgroupTable, columns) -> Sheet:
    header = ["Question ID", "Variable", "Category"]
    for programme in columns:
        label = "All cases" if programme == "All" else programme
        header += [f"{label} n", f"{label} % yes", f"{label} 95% CI low", f"{label} 95% CI high"]
    rows = []
    for row in table.rows:
        values: list = [table.question_id, row.variable_label, row.category]
        for programme in columns:
            cell = row.cells.get(programme) or Cell(None)
            values += [
                _n(cell),
                _one_dp(cell, cell.pct_yes),
                _one_dp(cell, cell.ci_low),
                _one_dp(cell, cell.ci_high),
            ]
        rows.append(values)
    return Sheet(stem, title, header, rows, ("Variable", "Category"))


def _bulletin_sheets(layout: Layout) -> list[Sheet]:
    """Table 1, Tables 2-8 and Figure 1, when the report has the bulletin's part."""
    bulletin = layout.bulletin
    table_1 = [*bulletin.programmes, "Total"]
    sheets = [
        Sheet(
            "table_1",
            f"Table 1: {bulletin.table_1_title}",
            ["Area", *table_1],
            [[row.area, *(_n(row.cells[c]) for c in table_1)] for row in layout.areas],
            ("Area",),
        )
    ]
    sheets += [
        _subgroup_sheet(
            f"table_{t.table_no}", f"Table {t.table_no}: {t.title}", t, bulletin.columns
        )
        for t in layout.subgroup_tables
    ]
    sheets.append(
        Sheet(
            "figure_1",
            f"Figure 1: {bulletin.figure_title}",
            [
                "Question ID",
                "Question",
                "Agency",
                f"{bulletin.baseline} n",
                f"{bulletin.baseline} % yes",
                f"{bulletin.later} n",
                f"{bulletin.later} % yes",
                "Change (percentage points)",
                "p-value",
                "Significant at 5%",
            ],
            [
                [
                    c.question_id,
                    f"Q{c.question_id} {c.short_name}",
                    c.agency,
                    _n(c.baseline),
                    _one_dp(c.baseline, c.baseline.pct_yes),
                    _n(c.later),
                    _one_dp(c.later, c.later.pct_yes),
                    SUPPRESSED if c.suppressed else round(c.change_pp, 1),
                    SUPPRESSED if c.suppressed else _p(c.p_value),
                    SUPPRESSED if c.suppressed else ("Yes" if c.is_significant else "No"),
                ]
                for c in layout.agency
            ],
            ("Question ID", "Agency"),
        )
    )
    return sheets


def _trend_sheet(data: ReportData, layout: Layout) -> Sheet:
    order = dict(zip(data.programmes["programme"], data.programmes["sort_order"], strict=True))
    return Sheet(
        "programme_trend",
        TREND_TITLE,
        [
            "Question ID",
            "Question",
            "Programme",
            "Programme order",
            "Agency",
            "Scope",
            "n",
            "% yes",
            "95% CI low",
            "95% CI high",
            "Comparability with the baseline",
            "Baseline programme",
            "Change (percentage points)",
            "p-value",
        ],
        [
            [
                t.question_id,
                f"Q{t.question_id} {t.short_name}",
                t.programme,
                int(order[t.programme]),
                t.agency,
                t.scope,
                _n(t.cell),
                _one_dp(t.cell, t.cell.pct_yes),
                _one_dp(t.cell, t.cell.ci_low),
                _one_dp(t.cell, t.cell.ci_high),
                t.comparability,
                t.baseline,
                _change(t),
                SUPPRESSED if t.change_hidden else _p(t.p_value),
            ]
            for t in layout.trend
        ],
        ("Question ID", "Programme", "Agency", "Scope"),
    )


def _model_sheets(labelled: list[tuple[str, str, int, QuestionFindings]]) -> list[Sheet]:
    """The findings in words and the selected models' odds ratios, of every model set."""
    sentences = [
        [model_set, question, label, number, sentence]
        for model_set, label, question, found in labelled
        for number, sentence in enumerate([*found.sentences, *found.against_bulletin], 1)
    ]
    odds_rows = []
    for _model_set, label, question, found in labelled:
        for model in found.models:
            for row in model.odds:
                if row.odds_ratio is None:
                    values: list = ["not estimable"] * 3 + [None]
                else:
                    values = [round(row.odds_ratio, 2), round(row.ci_low, 2),
                              round(row.ci_high, 2), _p(row.p_value)]  # fmt: skip
                odds_rows.append(
                    [
                        model.model_id,
                        question,
                        label,
                        model.sample,
                        row.variable,
                        row.level,
                        row.reference,
                        *values,
                    ]
                )
    return [
        Sheet(
            "regression_findings",
            "Regression findings by question",
            ["Model set", "Question ID", "Question", "Sentence", "Finding"],
            sentences,
            ("Model set", "Question ID", "Sentence"),
        ),
        Sheet(
            "odds_ratios",
            "Odds ratios of the selected models, with 95% confidence intervals",
            [
                "Model",
                "Question ID",
                "Question",
                "Sample",
                "Variable",
                "Level",
                "Against",
                "Odds ratio",
                "95% CI low",
                "95% CI high",
                "p-value",
            ],
            odds_rows,
            ("Model", "Variable", "Level"),
        ),
    ]


def export_sheets(
    data: ReportData,
    layout: Layout,
    findings: dict[int, QuestionFindings],
    trend_findings: dict[int, QuestionFindings] | None = None,
    programme_findings: dict[int, QuestionFindings] | None = None,
) -> list[Sheet]:
    """Every table of the report (the parts it has) as sheets."""
    parts = layout.parts
    labelled = [
        *(("bulletin", f"Q{q}", q, f) for q, f in sorted(findings.items())),
        *(("trend", f"Q{q} (trend)", q, f) for q, f in sorted((trend_findings or {}).items())),
        *(
            ("programme", f"Q{q} ({parts.single.code})", q, f)
            for q, f in sorted((programme_findings or {}).items())
        ),
    ]
    sheets: list[Sheet] = _bulletin_sheets(layout) if parts.has_bulletin else []
    if parts.has_trend:
        sheets.append(_trend_sheet(data, layout))
        sheets.append(
            Sheet(
                "comparability",
                "Why a programme's question is graded close or partial against its baseline's",
                ["Programme", "Question ID", "Question", "Grade", "Baseline programme", "Reason"],
                [
                    [g.programme, g.question_id, g.short_name, g.grade, g.baseline, g.note]
                    for g in grade_notes(layout.trend, data.sources)
                ],
                ("Programme", "Question ID"),
            )
        )
    if parts.single is not None:
        code = parts.single.code
        stem = "programme_" + re.sub(r"[^a-z0-9]+", "", code.lower())
        sheets += [
            _subgroup_sheet(
                f"{stem}_q{t.question_id}", f"{code} Q{t.question_id}: {t.title}", t, [code]
            )
            for t in layout.programme_tables
        ]
    sheets += _model_sheets(labelled)
    sheets.append(
        Sheet(
            "sample_flow",
            "Sample flow: from rows received to the comparison sample",
            ["Flow", "Programme", "Programme order", "Step order", "Step", "Rows"],
            [
                [
                    r.flow,
                    r.programme,
                    int(r.programme_order),
                    int(r.step_order),
                    r.step,
                    int(r.row_count),
                ]
                for r in data.flow.itertuples()
            ],
            ("Flow", "Step"),
        )
    )
    checks = data.checks.assign(success=data.checks["success"].astype(bool))
    sheets.append(
        Sheet(
            "data_quality",
            "Data quality: dbt tests and Great Expectations, latest run",
            ["Check no", "Checked by", "Severity", "Check", "Passed", "Detail"],
            [
                [
                    number,
                    r.checked_by,
                    r.severity,
                    r.check_name,
                    "Yes" if r.success else "No",
                    None if pd.isna(r.detail) else str(r.detail),
                ]
                for number, r in enumerate(checks.itertuples(), 1)
            ],
            ("Check no",),
        )
    )
    if data.build.is_bulletin_mode:
        sheets.append(
            Sheet(
                "reconciliation",
                "Reconciliation with the published bulletin",
                ["Check", "Published in", "Figure", "Published", "Warehouse", "Decimals", "Match"],
                [
                    [
                        r.check_id,
                        r.published_in,
                        r.description,
                        r.published_value,
                        # Six places: enough to see why a figure rounds as it does.
                        SUPPRESSED
                        if r.suppressed
                        else None
                        if r.warehouse_value is None
                        else round(r.warehouse_value, 6),
                        r.decimals,
                        "Yes" if r.is_match else "No",
                    ]
                    for r in layout.reconciliation
                ],
                ("Check",),
            )
        )
    return sheets


def write_csvs(sheets: list[Sheet], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, _title, header, rows, _key in sheets:
        path = folder / f"{stem}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written


def _sheet_name(stem: str) -> str:
    return stem.replace("_", " ").capitalize()[:31]


def write_workbook(sheets: list[Sheet], path: Path, title: str, notes: Sequence[str]) -> Path:
    workbook = Workbook()
    contents = workbook.active
    contents.title = "Contents"
    contents.append([title])
    contents["A1"].font = Font(bold=True, size=14)
    for note in notes:
        contents.append([note])
    contents.append([])
    contents.append(["Sheet", "Table"])
    contents.cell(contents.max_row, 1).font = Font(bold=True)
    contents.cell(contents.max_row, 2).font = Font(bold=True)
    for stem, title, header, rows, _key in sheets:
        contents.append([_sheet_name(stem), title])
        sheet = workbook.create_sheet(_sheet_name(stem))
        sheet.append([title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(header)
        for column in range(1, len(header) + 1):
            cell = sheet.cell(2, column)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A3"
        for column, name in enumerate(header, start=1):
            widest = max([len(str(name)), *(len(str(r[column - 1] or "")) for r in rows[:200])])
            sheet.column_dimensions[get_column_letter(column)].width = min(max(widest + 2, 8), 60)
    contents.column_dimensions["A"].width = 22
    contents.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_reproducible_zip(buffer.getvalue()))
    return path


def _reproducible_zip(content: bytes) -> bytes:
    """Same entries, fixed timestamps (zip and document properties)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_DOC_TIME.encode() + rb"\g<2>",
                    payload,
                )
            entry = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, payload)
    return output.getvalue()
