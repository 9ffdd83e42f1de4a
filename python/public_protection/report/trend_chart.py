"""The trend figure as inline SVG: per question, % yes by programme for CRC and NPS.

One small panel per question, programmes left to right in their order, a line per
agency through the matched areas' figures (the one scope every programme shares). A
point whose question is only a partial match for its baseline's is drawn hollow and
reached by a dashed line: the step into it is not a like-for-like change. Hidden
cells (disclosure control) are left out and marked [c]. Drawn by hand, like Figure 1,
so the report stays one offline file.
"""

from __future__ import annotations

from html import escape

from public_protection.categories import AGENCIES
from public_protection.report.chart import AGENCY_COLOURS
from public_protection.report.tables import TrendRow

SCOPE = "matched areas"
PANEL_WIDTH = 220
PANEL_HEIGHT = 150
COLUMNS = 3
LEFT = 40  # room for the % axis
TOP = 62  # room for the legend and the first panels' titles
GAP_X = 24
GAP_Y = 56


def trend_svg(rows: list[TrendRow], programmes: list[str]) -> str:
    """The figure; ``rows`` as the report's trend table holds them (already suppressed)."""
    rows = [r for r in rows if r.scope == SCOPE and r.agency in AGENCIES]
    questions = sorted({r.question_id for r in rows})
    names = {r.question_id: r.short_name for r in rows}
    by_key = {(r.question_id, r.agency, r.programme): r for r in rows}
    panel_rows = (len(questions) + COLUMNS - 1) // COLUMNS
    width = LEFT + COLUMNS * (PANEL_WIDTH + GAP_X)
    height = TOP + panel_rows * (PANEL_HEIGHT + GAP_Y) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="trend-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'aria-labelledby="trend-chart-title trend-chart-desc" '
        'font-family="Arial, sans-serif" font-size="11">',
        '<title id="trend-chart-title">% yes by programme, CRC and NPS, per question '
        f"({SCOPE})</title>",
        '<desc id="trend-chart-desc">One panel per question: % yes in each programme for '
        "cases allocated to CRCs and to the NPS, in the 12 matched areas. A hollow point "
        "reached by a dashed line is a programme whose question only partly matches its "
        "baseline's. The figures are in the table below.</desc>",
    ]
    legend_x = LEFT
    for agency in AGENCIES:
        out.append(
            f'<line x1="{legend_x}" y1="16" x2="{legend_x + 18}" y2="16" '
            f'stroke="{AGENCY_COLOURS[agency]}" stroke-width="2"/>'
            f'<circle cx="{legend_x + 9}" cy="16" r="3.5" fill="{AGENCY_COLOURS[agency]}"/>'
            f'<text x="{legend_x + 24}" y="20">{agency}</text>'
        )
        legend_x += 70
    out.append(
        f'<circle cx="{legend_x + 6}" cy="16" r="3.5" fill="white" stroke="#0b0c0c"/>'
        f'<text x="{legend_x + 14}" y="20">partial comparability with the baseline</text>'
    )
    for index, question in enumerate(questions):
        left = LEFT + (index % COLUMNS) * (PANEL_WIDTH + GAP_X)
        top = TOP + (index // COLUMNS) * (PANEL_HEIGHT + GAP_Y)
        out.extend(_panel(question, names[question], left, top, programmes, by_key))
    out.append("</svg>")
    return "".join(out)


def _title_lines(text: str, width: int = 36) -> list[str]:
    """A panel's title in lines of at most ``width`` characters (two at most)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:1] + ([" ".join(lines[1:])] if len(lines) > 1 else [])


def _panel(question, name, left, top, programmes, by_key) -> list[str]:
    # every panel places a programme at the same x, so panels compare at a glance
    collected = [p for p in programmes if any((question, a, p) in by_key for a in AGENCIES)]
    positions = {p: i for i, p in enumerate(programmes)}

    def x(programme: str) -> float:
        step = (PANEL_WIDTH - 30) / max(len(programmes) - 1, 1)
        return left + 15 + positions[programme] * step

    def y(pct: float) -> float:
        return top + 14 + (100 - pct) / 100 * (PANEL_HEIGHT - 34)

    title = "".join(
        f'<tspan x="{left}" dy="{0 if i == 0 else 12}">{escape(line)}</tspan>'
        for i, line in enumerate(_title_lines(f"Q{question} {name}"))
    )
    out = [
        f'<g class="trend-panel" data-trend-question="{question}">'
        f'<text x="{left}" y="{top - 8}" font-weight="bold">{title}</text>'
    ]
    for pct in (0, 50, 100):
        out.append(
            f'<line x1="{left}" y1="{y(pct):.1f}" x2="{left + PANEL_WIDTH - 10}" '
            f'y2="{y(pct):.1f}" stroke="#d0d4d8"/>'
            f'<text x="{left - 4}" y="{y(pct) + 4:.1f}" text-anchor="end">{pct}%</text>'
        )
    for programme in collected:
        out.append(
            f'<text x="{x(programme):.1f}" y="{top + PANEL_HEIGHT - 4}" '
            f'text-anchor="middle">{escape(programme)}</text>'
        )
    for agency in AGENCIES:
        colour = AGENCY_COLOURS[agency]
        previous: tuple[float, float] | None = None
        for programme in collected:
            row = by_key.get((question, agency, programme))
            if row is None or row.cell.pct_yes is None:
                if row is not None:  # hidden by disclosure control
                    out.append(
                        f'<text x="{x(programme):.1f}" y="{y(50):.1f}" text-anchor="middle" '
                        f'class="suppressed" fill="{colour}">[c]</text>'
                    )
                previous = None
                continue
            point = (x(programme), y(row.cell.pct_yes))
            partial = row.comparability == "partial"
            if previous is not None:
                dash = ' stroke-dasharray="4 3"' if partial else ""
                out.append(
                    f'<line x1="{previous[0]:.1f}" y1="{previous[1]:.1f}" x2="{point[0]:.1f}" '
                    f'y2="{point[1]:.1f}" stroke="{colour}" stroke-width="2"{dash}/>'
                )
            fill = "white" if partial else colour
            out.append(
                f'<circle class="trend-point" data-trend-question="{question}" '
                f'data-trend-agency="{agency}" data-trend-programme="{escape(programme)}" '
                f'data-pct="{row.cell.pct_yes:.4f}" data-comparability="{row.comparability or ""}" '
                f'cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="4" fill="{fill}" stroke="{colour}" '
                f'stroke-width="2"><title>Q{question} {agency} {escape(programme)}: '
                f"{row.cell.pct_yes:.1f}% of {row.cell.n:,}</title></circle>"
            )
            previous = point
    out.append("</g>")
    return out
