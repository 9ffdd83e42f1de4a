"""The trend figure draws every shown matched-areas figure, marks partial comparability
and leaves hidden cells out."""

from __future__ import annotations

import re

from public_protection.report.tables import Cell, TrendRow
from public_protection.report.trend_chart import trend_svg

PROGRAMMES = ["OMI2", "Q&I", "PI18"]


def row(question, programme, agency, pct, comparability="close", scope="matched areas", n=100):
    cell = (
        Cell(n, round(n * pct / 100), pct) if pct is not None else Cell(None, suppressed="primary")
    )
    baseline = {"OMI2": None, "Q&I": "OMI2", "PI18": "Q&I"}[programme]
    return TrendRow(question, "Q", programme, agency, scope, cell,
                    None if baseline is None else comparability, baseline, None, None)  # fmt: skip


def points(svg: str) -> dict[tuple, tuple[float, str, str]]:
    found = re.findall(
        r'<circle class="trend-point" data-trend-question="(\d+)" data-trend-agency="(\w+)" '
        r'data-trend-programme="([^"]+)" data-pct="([\d.]+)" data-comparability="(\w*)" '
        r'[^>]*fill="([^"]+)"',
        svg,
    )
    return {(int(q), a, p.replace("&amp;", "&")): (float(pct), c, fill)
            for q, a, p, pct, c, fill in found}  # fmt: skip


def segments(svg: str, colour: str) -> list[str]:
    """The lines joining one agency's points (the legend's are drawn at whole pixels)."""
    return re.findall(rf'<line x1="\d+\.\d" [^>]*stroke="{colour}" stroke-width="2"', svg)


def test_each_shown_figure_is_a_point_and_partial_ones_are_hollow():
    rows = [
        row(3, "OMI2", "CRC", 60.0), row(3, "Q&I", "CRC", 55.5),
        row(3, "PI18", "CRC", 50.25, "partial"),
        row(3, "OMI2", "NPS", 70.0), row(3, "Q&I", "NPS", 65.0),
        row(3, "PI18", "NPS", 66.0, "partial"),
        row(3, "PI18", "All", 51.0), row(3, "PI18", "CRC", 40.0, scope="national"),
    ]  # fmt: skip
    svg = trend_svg(rows, PROGRAMMES)
    found = points(svg)
    # only the matched areas' CRC and NPS figures: not All, not the national scope
    assert set(found) == {(3, a, p) for a in ("CRC", "NPS") for p in PROGRAMMES}
    assert found[(3, "CRC", "PI18")][0] == 50.25
    assert found[(3, "CRC", "Q&I")] == (55.5, "close", "#12436D")
    assert found[(3, "CRC", "PI18")][2] == "white"  # partial: hollow
    assert svg.count('stroke-dasharray="4 3"') == 2  # the steps into the partial points
    assert len(segments(svg, "#12436D")) == len(segments(svg, "#F46A25")) == 2


def test_a_hidden_cell_is_left_out_and_breaks_its_line():
    rows = [row(1, "OMI2", "NPS", 60.0), row(1, "Q&I", "NPS", None), row(1, "PI18", "NPS", 70.0)]
    svg = trend_svg(rows, PROGRAMMES)
    assert set(points(svg)) == {(1, "NPS", "OMI2"), (1, "NPS", "PI18")}
    assert "[c]" in svg
    assert segments(svg, "#F46A25") == []  # no segment joins across the hidden figure


def test_a_question_not_collected_has_no_point_for_that_programme():
    rows = [row(4, "OMI2", "CRC", 60.0), row(4, "Q&I", "CRC", 50.0)]
    svg = trend_svg(rows, PROGRAMMES)
    assert {p for _, _, p in points(svg)} == {"OMI2", "Q&I"}
    assert ">PI18<" not in svg
