"""A forest plot per regression model, as inline SVG: each odds ratio with its 95% CI.

Drawn by hand like Figure 1 (no library, no script). The axis is logarithmic, so
an odds ratio of 2 and one of 0.5 lie the same distance either side of 1.
"""

from __future__ import annotations

import math
from html import escape

from public_protection.report.findings import ModelFindings

WIDTH = 560
LABEL_WIDTH = 250
RIGHT_MARGIN = 20
TOP = 12
ROW_HEIGHT = 20
AXIS_HEIGHT = 40
POINT = 7
COLOUR = "#12436D"  # the report's dark blue
TICKS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20)


def _bounds(values: list[float]) -> tuple[float, float]:
    """A range on the log axis holding every interval and 1, with a little room."""
    low = min([1.0, *values])
    high = max([1.0, *values])
    return math.log(low) - 0.15, math.log(high) + 0.15


def _tick_text(value: float) -> str:
    return f"{value:g}"


def forest_plot_svg(model: ModelFindings) -> str:
    """The model's odds ratios; a level that cannot be estimated is named, not drawn."""
    rows = model.odds
    drawn = [v for r in rows if r.odds_ratio is not None for v in (r.ci_low, r.ci_high)]
    low, high = _bounds(drawn or [1.0])
    left, right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN

    def x(value: float) -> float:
        return left + (math.log(value) - low) / (high - low) * (right - left)

    bottom = TOP + max(len(rows), 1) * ROW_HEIGHT
    height = bottom + AXIS_HEIGHT
    chart_id = f"forest-{model.model_id}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="forest" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title" font-family="Arial, sans-serif" font-size="12">',
        f'<title id="{chart_id}-title">Odds ratios with 95% confidence intervals, '
        f"{escape(model.sample)} model (logarithmic axis; right of 1, higher odds of a "
        "positive judgement than the reference); the data are in the table beside"
        "</title>",
    ]
    for tick in TICKS:
        if low <= math.log(tick) <= high:
            colour = "#0b0c0c" if tick == 1 else "#d0d4d8"
            dashes = ' stroke-dasharray="4 3"' if tick == 1 else ""
            out.append(
                f'<line x1="{x(tick):.1f}" y1="{TOP - 4}" x2="{x(tick):.1f}" y2="{bottom}" '
                f'stroke="{colour}" stroke-width="1"{dashes}/>'
                f'<text x="{x(tick):.1f}" y="{bottom + 15}" text-anchor="middle">'
                f"{_tick_text(tick)}</text>"
            )
    out.append(
        f'<text x="{(left + right) / 2:.1f}" y="{bottom + 32}" text-anchor="middle">'
        "odds ratio (log scale)</text>"
    )
    for index, row in enumerate(rows):
        middle = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2
        label = f"{row.variable}: {row.level}"
        out.append(
            f'<text x="{left - 8}" y="{middle + 4:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        if row.odds_ratio is None:
            out.append(
                f'<text x="{left + 6}" y="{middle + 4:.1f}" font-style="italic">'
                "not estimable (separation)</text>"
            )
            continue
        out.append(
            f'<line class="ci" x1="{x(row.ci_low):.1f}" y1="{middle:.1f}" '
            f'x2="{x(row.ci_high):.1f}" y2="{middle:.1f}" stroke="{COLOUR}" stroke-width="2"/>'
            f'<rect class="estimate" x="{x(row.odds_ratio) - POINT / 2:.1f}" '
            f'y="{middle - POINT / 2:.1f}" width="{POINT}" height="{POINT}" fill="{COLOUR}"/>'
        )
    if not rows:
        out.append(
            f'<text x="{left + 6}" y="{TOP + ROW_HEIGHT / 2 + 4:.1f}">no variable selected</text>'
        )
    out.append("</svg>")
    return "".join(out)
