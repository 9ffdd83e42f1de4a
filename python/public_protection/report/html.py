"""Render the report as one self-contained HTML page (jinja2 template + inline SVG)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from public_protection.build_info import BuildInfo
from public_protection.report.chart import figure_1_svg, signed
from public_protection.report.data import ReportData
from public_protection.report.disclosure import SUPPRESSED
from public_protection.report.findings import QuestionFindings, format_p
from public_protection.report.forest import forest_plot_svg
from public_protection.report.tables import (
    TABLE_TITLES,
    TREND_TITLE,
    Bulletin,
    Cell,
    Layout,
    ReconciliationRow,
    TrendRow,
)
from public_protection.report.trend_chart import trend_svg


@dataclass(frozen=True)
class ReportContext:
    warehouse_name: str
    method: str
    title: str
    build: BuildInfo


def report_title(build: BuildInfo, bulletin: Bulletin) -> str:
    """The bulletin's title in bulletin mode; in user mode one made from the data."""
    if build.is_bulletin_mode:
        return bulletin.title
    programmes = (build.programmes or "no programme").replace(", ", " and ")
    return f"The quality of public protection work: {programmes} case assessments, {build.period}"


def _suppressed_td(cell: Cell) -> str:
    return f'<td class="num suppressed" title="{cell.suppressed} suppression">{SUPPRESSED}</td>'


def count_td(cell: Cell | None) -> Markup:
    if cell is None:
        return Markup('<td class="num"></td>')
    if cell.suppressed:
        return Markup(_suppressed_td(cell))
    return Markup(f'<td class="num">{cell.n:,}</td>')


def pct_td(cell: Cell | None) -> Markup:
    if cell is None:
        return Markup('<td class="num"></td>')
    if cell.suppressed:
        return Markup(_suppressed_td(cell))
    if cell.pct_yes is None:
        return Markup('<td class="num">&ndash;</td>')
    return Markup(f'<td class="num">{cell.pct_yes:.1f}%</td>')


def judgement_tds(cell: Cell | None) -> Markup:
    """n, % yes and the interval: three cells, all [c] when suppressed."""
    if cell is None:
        return Markup('<td class="num"></td>' * 3)
    if cell.suppressed:
        return Markup(_suppressed_td(cell) * 3)
    interval = (
        "&ndash;"
        if cell.ci_low is None or cell.ci_high is None
        else f"{cell.ci_low:.1f}&ndash;{cell.ci_high:.1f}"
    )
    return count_td(cell) + pct_td(cell) + Markup(f'<td class="num ci">{interval}</td>')


def format_n(cell: Cell) -> str:
    return SUPPRESSED if cell.suppressed or cell.n is None else f"{cell.n:,}"


def dq_summary(checks: pd.DataFrame) -> dict:
    rows = []
    for (checked_by, severity), group in checks.groupby(["checked_by", "severity"], sort=True):
        passed = int(group["success"].sum())
        rows.append(
            {
                "checked_by": checked_by,
                "severity": severity,
                "checks": len(group),
                "passed": passed,
                "failed": len(group) - passed,
            }
        )
    failures = checks[~checks["success"].astype(bool)]
    return {
        "rows": rows,
        "total": len(checks),
        "failed_critical": int((failures["severity"] == "critical").sum()),
        "failed_warning": int((failures["severity"] != "critical").sum()),
        "failures": [
            {
                "severity": r.severity,
                "check_name": r.check_name,
                "detail": None if pd.isna(r.detail) else r.detail,
            }
            for r in failures.itertuples()
        ],
        "checked_at": (
            str(pd.Timestamp(checks["checked_at"].max()).floor("s")) if len(checks) else "never"
        ),
    }


def reconciliation_summary(rows: list[ReconciliationRow]) -> dict:
    """Counts per table, and the figures that differ (as disclosure control lets them show)."""
    by_table: dict[str, list[ReconciliationRow]] = {}
    for row in rows:
        by_table.setdefault(row.published_in, []).append(row)
    return {
        "rows": [
            {"published_in": name, "figures": len(group), "matched": sum(r.is_match for r in group)}
            for name, group in sorted(by_table.items())
        ],
        "total": len(rows),
        "matched": sum(r.is_match for r in rows),
        "mismatches": [r for r in rows if not r.is_match],
    }


def warehouse_value(row: ReconciliationRow) -> str:
    if row.suppressed:
        return SUPPRESSED
    return "" if row.warehouse_value is None else f"{row.warehouse_value:.{row.decimals}f}"


@dataclass(frozen=True)
class TrendLine:
    question_id: int
    short_name: str
    agency: str
    scope: str
    by_programme: dict[str, TrendRow]


@dataclass(frozen=True)
class TrendTable:
    """The trend laid out wide: a column group per programme, in the programmes' order."""

    programmes: list[str]
    lines: list[TrendLine]
    comparability: list[str]  # "Q&I close (Q1, Q2, ...)": a programme's grade and questions


def trend_table(rows: list[TrendRow]) -> TrendTable:
    programmes = list(dict.fromkeys(row.programme for row in rows))
    lines: dict[tuple, TrendLine] = {}
    grades: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        key = (row.question_id, row.scope, row.agency)
        line = lines.setdefault(
            key, TrendLine(row.question_id, row.short_name, row.agency, row.scope, {})
        )
        line.by_programme[row.programme] = row
        if row.comparability and row.agency == "All" and row.scope == "matched areas":
            grades.setdefault((row.programme, row.comparability), []).append(row.question_id)
    comparability = [
        f"{programme} {grade} (" + ", ".join(f"Q{q}" for q in questions) + ")"
        for (programme, grade), questions in grades.items()
    ]
    return TrendTable(programmes, list(lines.values()), comparability)


def render_html(
    data: ReportData,
    layout: Layout,
    findings: dict[int, QuestionFindings],
    context: ReportContext,
    trend_findings: dict[int, QuestionFindings] | None = None,
) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template("report.html.j2")
    flows = [
        (flow, group.sort_values(["step_order", "step"]).to_dict("records"))
        for flow, group in data.flow.groupby("flow", sort=True)
    ]
    trend = trend_table(layout.trend)
    return template.render(
        context=context,
        layout=layout,
        findings=findings,
        trend_findings=trend_findings or {},
        trend_title=TREND_TITLE,
        trend=trend,
        trend_svg=Markup(trend_svg(layout.trend, trend.programmes)),
        titles=TABLE_TITLES,
        bulletin=layout.bulletin,
        figure_title=layout.bulletin.figure_title,
        figure_svg=Markup(
            figure_1_svg(layout.agency, layout.bulletin.baseline, layout.bulletin.later)
        ),
        programmes=layout.bulletin.columns,
        programme_labels={"All": "All cases"}
        | {p: f"{p} cases" for p in layout.bulletin.programmes},
        fieldwork={
            row.programme: f"{row.fieldwork_start_year}–{row.fieldwork_end_year}"
            for row in data.programmes.itertuples()
        },
        proxy_programmes=[
            row.programme for row in data.programmes.itertuples() if row.agency_basis == "proxy"
        ],
        flows=flows,
        dq=dq_summary(data.checks),
        reconciliation=reconciliation_summary(layout.reconciliation),
        warehouse_value=warehouse_value,
        n=lambda cell: escape(format_n(cell)),
        p=format_p,
        signed=signed,
        forest=lambda model: Markup(forest_plot_svg(model)),
        count_td=count_td,
        pct_td=pct_td,
        judgement_tds=judgement_tds,
    )
