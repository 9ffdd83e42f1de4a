"""The bulletin regenerated: an HTML report, an Excel workbook and CSVs.

``write_report`` reads the warehouse read-only, lays out Table 1, Tables 2-8
and Figure 1 with disclosure control, writes the regression findings as
sentences, and replaces the output folder in one step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from public_protection.atomic import folder_replaced
from public_protection.report.data import ReportData, read_report_data
from public_protection.report.disclosure import DEFAULT_MINIMUM_N
from public_protection.report.exports import Sheet, export_sheets, write_csvs, write_workbook
from public_protection.report.findings import QuestionFindings, question_findings
from public_protection.report.html import ReportContext, render_html, report_title
from public_protection.report.tables import Layout, build_layout

HTML_NAME = "public_protection_report.html"
WORKBOOK_NAME = "public_protection_tables.xlsx"
CSV_FOLDER = "csv"


@dataclass
class ReportResult:
    folder: Path
    html: Path
    workbook: Path
    csv_folder: Path
    csvs: list[Path]
    minimum_n: int
    primary_suppressed: int
    secondary_suppressed: int
    reconciled: tuple[int, int] | None  # (matching, published); None in user mode
    mode: str  # "bulletin mode" / "user mode"


@dataclass
class ReportTables:
    """The report's content, disclosure control applied: what every output is made from."""

    data: ReportData
    layout: Layout
    findings: dict[int, QuestionFindings]  # the bulletin's models, per question
    sheets: list[Sheet]
    trend_findings: dict[int, QuestionFindings]  # the trend's models, per question
    # a programme loaded alone: its own models, per question
    programme_findings: dict[int, QuestionFindings]


# `run` lays the report out for `report` and again for `publish`'s aggregate file:
# the second use reads it from here while the warehouse file is unchanged.
_LAID_OUT: dict[tuple, ReportTables] = {}


def report_tables(db: Path, minimum_n: int = DEFAULT_MINIMUM_N) -> ReportTables:
    stat = db.stat()
    key = (str(db.resolve()), stat.st_mtime_ns, stat.st_size, minimum_n)
    if key not in _LAID_OUT:
        _LAID_OUT.clear()
        _LAID_OUT[key] = _lay_out(db, minimum_n)
    return _LAID_OUT[key]


def _lay_out(db: Path, minimum_n: int) -> ReportTables:
    data = read_report_data(db)
    layout = build_layout(data, minimum_n)
    findings = {
        table.question_id: question_findings(data, table.question_id, minimum_n)
        for table in layout.subgroup_tables
    }
    trend_findings, programme_findings = (
        {
            int(q): question_findings(data, int(q), minimum_n, model_set=model_set)
            for q in sorted(
                set(data.models.loc[data.models["model_set"] == model_set, "question_id"])
            )
        }
        for model_set in ("trend", "programme")
    )
    sheets = export_sheets(data, layout, findings, trend_findings, programme_findings)
    return ReportTables(data, layout, findings, sheets, trend_findings, programme_findings)


def write_report(db: Path, folder: Path, minimum_n: int = DEFAULT_MINIMUM_N) -> ReportResult:
    """Write the report into ``folder`` (replaced whole: no stale file survives)."""
    tables = report_tables(db, minimum_n)
    data, layout, findings, sheets = tables.data, tables.layout, tables.findings, tables.sheets
    method = str(data.models["method"].iloc[0]) if len(data.models) else "not run"
    title = report_title(layout)
    context = ReportContext(db.name, method, title, data.build)
    html = render_html(
        data, layout, findings, context, tables.trend_findings, tables.programme_findings
    )
    notes = [
        f"Built from {db.name} ({data.build.describe()}). "
        f"Cells with n below {minimum_n} are shown as [c] "
        f"({layout.suppression.count('primary')} below the minimum, "
        f"{layout.suppression.count('secondary')} more so they cannot be recovered "
        "from totals). Percentages to one decimal place; the warehouse keeps every figure.",
    ]

    folder = folder.resolve()
    with folder_replaced(folder) as staging:
        (staging / HTML_NAME).write_text(html, encoding="utf-8")
        write_workbook(sheets, staging / WORKBOOK_NAME, context.title, notes)
        write_csvs(sheets, staging / CSV_FOLDER)
    matched = sum(row.is_match for row in layout.reconciliation)
    return ReportResult(
        folder=folder,
        html=folder / HTML_NAME,
        workbook=folder / WORKBOOK_NAME,
        csv_folder=folder / CSV_FOLDER,
        csvs=sorted((folder / CSV_FOLDER).glob("*.csv")),
        minimum_n=minimum_n,
        primary_suppressed=layout.suppression.count("primary"),
        secondary_suppressed=layout.suppression.count("secondary"),
        reconciled=(matched, len(layout.reconciliation)) if data.build.is_bulletin_mode else None,
        mode=data.build.mode_label,
    )
