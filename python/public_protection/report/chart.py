"""Figure 1 as inline SVG: the change from the bulletin's baseline programme to the later one
(OMI2 to Q&I) per question, CRC vs NPS.

Drawn by hand (no charting library, no script) so the report stays one file
that renders offline in any browser and prints cleanly.
"""

from __future__ import annotations

import math
from html import escape

from public_protection.report.tables import AGENCIES, AgencyChange

# Government Statistical Service palette: dark blue and orange are
# distinguishable with the common colour-vision deficiencies.
AGENCY_COLOURS = {"CRC": "#12436D", "NPS": "#F46A25"}

WIDTH = 760
LABEL_WIDTH = 270
RIGHT_MARGIN = 30
TOP = 40
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 16
AXIS_HEIGHT = 44


def _scale(changes: list[float]) -> tuple[float, float]:
    """Axis limits in multiples of 5 points, including zero, with room for labels."""
    low = min([0.0, *changes])
    high = max([0.0, *changes])
    low = 5 * math.floor(low / 5) - (5 if low < 0 else 0)
    high = 5 * math.ceil(high / 5) + (5 if high > 0 else 0)
    return float(low), float(high)


def signed(value: float, decimals: int = 1) -> str:
    """A change with its sign, and a true minus sign (U+2212) as typeset figures use."""
    return f"{value:+.{decimals}f}".replace("-", "\u2212")


def _tick_label(value: float) -> str:
    return "0" if value == 0 else signed(value, 0)


def figure_1_svg(changes: list[AgencyChange], baseline: str, later: str) -> str:
    """The chart; suppressed bars are left out and labelled [c]."""
    questions = sorted({c.question_id for c in changes})
    by_key = {(c.question_id, c.agency): c for c in changes}
    shown = [c.change_pp for c in changes if c.change_pp is not None]
    low, high = _scale(shown or [0.0])
    if high == low:
        high = low + 5
    plot_left, plot_right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN

    def x(value: float) -> float:
        return plot_left + (value - low) / (high - low) * (plot_right - plot_left)

    group_height = len(AGENCIES) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    plot_bottom = TOP + len(questions) * group_height
    height = plot_bottom + AXIS_HEIGHT
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="figure-1-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        'aria-labelledby="figure-1-title figure-1-desc" font-family="Arial, sans-serif" '
        'font-size="12">',
        f'<title id="figure-1-title">Figure 1: change in % yes from {escape(baseline)} to '
        f"{escape(later)}, "
        "CRC vs NPS</title>",
        '<desc id="figure-1-desc">Horizontal bars, one pair per question: the change in '
        "percentage points for cases now allocated to CRCs and to the NPS. An asterisk "
        "marks a change significant at the 5% level. The data are in the table below."
        "</desc>",
    ]
    # Legend.
    legend_x = plot_left
    for agency in AGENCIES:
        out.append(
            f'<rect x="{legend_x}" y="12" width="12" height="12" '
            f'fill="{AGENCY_COLOURS[agency]}"/>'
            f'<text x="{legend_x + 16}" y="22">{agency}</text>'
        )
        legend_x += 70
    out.append(f'<text x="{legend_x + 10}" y="22">* significant at 5%</text>')
    # Grid lines and axis labels every 5 points.
    tick = low
    while tick <= high + 1e-9:
        colour = "#0b0c0c" if tick == 0 else "#d0d4d8"
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{TOP - 6}" x2="{x(tick):.1f}" y2="{plot_bottom}" '
            f'stroke="{colour}" stroke-width="{1.5 if tick == 0 else 1}"/>'
            f'<text x="{x(tick):.1f}" y="{plot_bottom + 16}" text-anchor="middle">'
            f"{_tick_label(tick)}</text>"
        )
        tick += 5
    out.append(
        f'<text x="{(plot_left + plot_right) / 2:.1f}" y="{plot_bottom + 36}" '
        f'text-anchor="middle">change from {escape(baseline)} to {escape(later)} '
        "(percentage points)</text>"
    )
    for index, question in enumerate(questions):
        top = TOP + index * group_height
        name = next(c.short_name for c in changes if c.question_id == question)
        out.append(
            f'<text x="{plot_left - 8}" y="{top + BAR_HEIGHT + 4}" text-anchor="end">'
            f"Q{question} {escape(name)}</text>"
        )
        for position, agency in enumerate(AGENCIES):
            change = by_key.get((question, agency))
            y = top + position * (BAR_HEIGHT + BAR_GAP)
            if change is None or change.change_pp is None:
                out.append(
                    f'<text x="{x(0) + 4:.1f}" y="{y + BAR_HEIGHT - 3}" '
                    f'class="suppressed">{agency} [c]</text>'
                )
                continue
            value = change.change_pp
            left, right = sorted((x(0), x(value)))
            label = signed(value) + ("*" if change.is_significant else "")
            label_x = left - 4 if value < 0 else right + 4
            anchor = "end" if value < 0 else "start"
            out.append(
                f'<rect class="bar" data-question="{question}" data-agency="{agency}" '
                f'data-change="{value:.4f}" x="{left:.1f}" y="{y}" '
                f'width="{max(right - left, 0.5):.1f}" height="{BAR_HEIGHT}" '
                f'fill="{AGENCY_COLOURS[agency]}"><title>Q{question} {agency}: '
                f"{change.baseline.pct_yes:.1f}% to {change.later.pct_yes:.1f}% "
                f"({label} points)</title></rect>"
                f'<text x="{label_x:.1f}" y="{y + BAR_HEIGHT - 3}" text-anchor="{anchor}" '
                f'font-size="11">{label}</text>'
            )
    out.append("</svg>")
    return "".join(out)
