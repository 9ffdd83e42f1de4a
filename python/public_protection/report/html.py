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
    Cell,
    Layout,
    ReconciliationRow,
    TrendRow,
    grade_notes,
)
from public_protection.report.trend_chart import trend_svg


@dataclass(frozen=True)
class ReportContext:
    warehouse_name: str
    method: str
    title: str
    build: BuildInfo


def and_list(items: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def report_title(layout: Layout) -> str:
    """The warehouse's title: the programmes loaded, in their order, and their years.

    The bulletin's own title heads its part of the report, when it has one.
    """
    programmes = layout.parts.programmes
    if not programmes:
        return "The quality of public protection work: no programme loaded"
    years = f"{min(p.start_year for p in programmes)}–{max(p.end_year for p in programmes)}"
    names = and_list([p.code for p in programmes])
    return f"The quality of public protection work: {names} inspections, {years}"


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
    not_collected: frozenset[str]  # programmes loaded that do not collect the question


@dataclass(frozen=True)
class TrendTable:
    """The trend laid out wide: a column group per programme, in the programmes' order."""

    scope: str  # "matched areas" or "national"
    programmes: list[str]
    lines: list[TrendLine]


def trend_tables(rows: list[TrendRow], sources: pd.DataFrame) -> list[TrendTable]:
    """One table per scope (matched areas first), "not collected" where a programme
    loaded does not collect a question."""
    collected = set(zip(sources["programme"], sources["question_id"], strict=True))
    loaded = list(dict.fromkeys(row.programme for row in rows))
    tables = []
    for scope in ("matched areas", "national"):
        scoped = [row for row in rows if row.scope == scope]
        if not scoped:
            continue
        programmes = (
            loaded
            if scope == "matched areas"
            else list(dict.fromkeys(row.programme for row in scoped))
        )
        lines: dict[tuple, TrendLine] = {}
        for row in scoped:
            key = (row.question_id, row.agency)
            absent = frozenset(p for p in programmes if (p, row.question_id) not in collected)
            line = lines.setdefault(
                key, TrendLine(row.question_id, row.short_name, row.agency, scope, {}, absent)
            )
            line.by_programme[row.programme] = row
        tables.append(TrendTable(scope, programmes, list(lines.values())))
    return tables


def change_td(row: TrendRow, loaded: set[str]) -> Markup:
    """The change from the baseline, with its comparability grade beside it."""
    if row.change_hidden:
        return Markup('<td class="num suppressed">[c]</td>')
    if row.baseline is None:
        return Markup('<td class="num baseline">baseline</td>')
    grade = escape(row.comparability or "")
    if row.change_pp is None:
        missing = "not loaded" if row.baseline not in loaded else "no figure"
        return Markup(
            f'<td class="num" data-grade="{grade}">{escape(row.baseline)} {missing} '
            f'<span class="grade grade-{grade}">{grade}</span></td>'
        )
    star = "*" if row.p_value is not None and row.p_value < 0.05 else ""
    return Markup(
        f'<td class="num" data-grade="{grade}" title="against {escape(row.baseline)}; '
        f'{escape(format_p(row.p_value))}">{escape(signed(row.change_pp))}{star} '
        f'<span class="grade grade-{grade}">{grade}</span></td>'
    )


def key_facts(layout: Layout) -> list[tuple[str, str]]:
    """(figure, label) pairs: the sample, then each programme loaded, in order."""
    programmes = layout.parts.programmes
    minimum = layout.minimum_n
    hidden = any(0 < p.cases < minimum for p in programmes)
    total = sum(p.cases for p in programmes)
    facts = [(SUPPRESSED if hidden else f"{total:,}", "case assessments in the sample")]
    for p in programmes:
        figure = SUPPRESSED if 0 < p.cases < minimum else f"{p.cases:,}"
        facts.append((figure, f"{p.code} ({p.years}): {p.label}"))
    return facts


def render_html(
    data: ReportData,
    layout: Layout,
    findings: dict[int, QuestionFindings],
    context: ReportContext,
    trend_findings: dict[int, QuestionFindings] | None = None,
    programme_findings: dict[int, QuestionFindings] | None = None,
) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template("report.html.j2")
    # in the programmes' order (the query's), each flow's steps in order
    flows = [
        (flow, group.sort_values(["step_order", "step"]).to_dict("records"))
        for flow, group in data.flow.groupby("flow", sort=False)
    ]
    parts = layout.parts
    trend = trend_tables(layout.trend, data.sources)
    trend_programmes = list(dict.fromkeys(row.programme for row in layout.trend))
    illustrative = [
        code
        for code in (data.build.demo_programmes or "").split(", ")
        if code and code not in layout.bulletin.programmes
    ]
    return template.render(
        context=context,
        layout=layout,
        parts=parts,
        findings=findings,
        trend_findings=trend_findings or {},
        programme_findings=programme_findings or {},
        trend_title=TREND_TITLE,
        trend=trend,
        trend_programmes=trend_programmes,
        grade_notes=grade_notes(layout.trend, data.sources),
        loaded={p.code for p in parts.programmes},
        baselines={
            str(r.programme): str(r.baseline_programme)
            for r in data.programmes.itertuples()
            if not pd.isna(r.baseline_programme)
        },
        change_td=change_td,
        key_facts=key_facts(layout),
        illustrative=illustrative,
        trend_svg=Markup(trend_svg(layout.trend, trend_programmes)) if layout.trend else "",
        titles=TABLE_TITLES,
        bulletin=layout.bulletin,
        figure_title=layout.bulletin.figure_title,
        figure_svg=Markup(
            figure_1_svg(layout.agency, layout.bulletin.baseline, layout.bulletin.later)
        ),
        programmes=layout.bulletin.columns,
        programme_labels={"All": "All cases"}
        | {p.code: f"{p.code} cases" for p in parts.programmes}
        | {p: f"{p} cases" for p in layout.bulletin.programmes},
        fieldwork={
            row.programme: f"{row.fieldwork_start_year}–{row.fieldwork_end_year}"
            for row in data.programmes.itertuples()
        },
        proxy_programmes=[
            row.programme for row in data.programmes.itertuples() if row.agency_basis == "proxy"
        ],
        national_programmes=[p.code for p in parts.programmes if p.national_sample],
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
