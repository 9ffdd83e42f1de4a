"""The report in a real browser: tables and Figure 1 render, no network request.

Needs Chromium (Debian's ``chromium``; `.ci/run` installs it). Without it the
tests skip, unless PUBLIC_PROTECTION_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import duckdb
import pytest
from browser import Browser, find_chromium
from conftest import copy_of

from public_protection import cli

pytestmark = pytest.mark.dbt

# The screenshot is kept where CI (and a person) can find it after the run.
SCREENSHOT = Path(__file__).resolve().parents[2] / "test-artifacts" / "report_screenshot.png"
LOCAL_SCHEMES = ("file:", "data:", "about:")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("PUBLIC_PROTECTION_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here but not installed (apt-get install chromium)")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    return path


@pytest.fixture
def browser(chromium, tmp_path):
    session = Browser(chromium, tmp_path / "profile")
    yield session
    session.close()


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


def test_the_watch_for_network_requests_does_catch_one(browser, tmp_path):
    # The control: a page that does reach out must be caught, or the next test proves nothing.
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><link rel="stylesheet" href="https://cdn.example.invalid/x.css">'
        '<img src="http://127.0.0.1:9/pixel.png"><p>hello</p>',
        encoding="utf-8",
    )
    browser.open(page.as_uri())
    remote = [u for u in browser.requests() if not u.startswith(LOCAL_SCHEMES)]
    assert "https://cdn.example.invalid/x.css" in remote
    assert "http://127.0.0.1:9/pixel.png" in remote


def test_report_renders_its_tables_and_chart_offline(demo_warehouse, browser, tmp_path):
    db = copy_of(demo_warehouse, tmp_path)
    for verb in ("validate", "regress"):
        assert cli.main([verb, "--db", str(db)]) == cli.EXIT_OK
    folder = tmp_path / "report"
    assert cli.main(["report", "--db", str(db), "--report-dir", str(folder)]) == cli.EXIT_OK
    html = folder / "public_protection_report.html"

    browser.open(html.as_uri())

    requested = browser.requests()
    assert html.as_uri() in requested
    assert [u for u in requested if not u.startswith(LOCAL_SCHEMES)] == []

    tables = browser.evaluate(
        """[...document.querySelectorAll('table.data')].map(t => {
            const box = t.getBoundingClientRect();
            return {id: t.id, width: box.width, height: box.height,
                    rows: t.tBodies[0].rows.length};
        })"""
    )
    by_id = {t["id"]: t for t in tables}
    expected_ids = {f"table-{n}-data" for n in range(1, 9)} | {"figure-1-data"}
    assert expected_ids <= set(by_id)
    for table_id in expected_ids:
        assert by_id[table_id]["width"] > 200 and by_id[table_id]["height"] > 100, table_id
    assert by_id["table-1-data"]["rows"] == 13
    with duckdb.connect(str(db), read_only=True) as con:
        rows_per_table = dict(
            con.sql(
                "select question_id + 1, count(distinct variable || category) "
                "from reporting.rpt_judgement_by_subgroup "
                "where programme in ('All', 'OMI2', 'Q&I') and question_id <= 7 group by 1"
            ).fetchall()
        )
        changes = con.sql("select count(*) from reporting.rpt_agency_change").fetchall()[0][0]
    for table_no, rows in rows_per_table.items():
        assert by_id[f"table-{table_no}-data"]["rows"] == rows

    chart = browser.evaluate(
        """(() => {
            const svg = document.getElementById('figure-1-chart');
            const box = svg.getBoundingClientRect();
            const bars = [...svg.querySelectorAll('rect.bar')].map(r => {
                const b = r.getBoundingClientRect();
                return {width: b.width, height: b.height,
                        fill: getComputedStyle(r).fill};
            });
            return {width: box.width, height: box.height, bars: bars};
        })()"""
    )
    assert chart["width"] > 500 and chart["height"] > 300
    assert len(chart["bars"]) == changes == 14
    assert all(b["width"] > 0 and b["height"] > 0 for b in chart["bars"])
    assert {b["fill"] for b in chart["bars"]} == {"rgb(18, 67, 109)", "rgb(244, 106, 37)"}
    # A forest plot per model beside its odds-ratio table: one estimate and one
    # interval per estimable level, drawn inside the plot.
    forests = browser.evaluate(
        """[...document.querySelectorAll('svg.forest')].map(svg => {
            const box = svg.getBoundingClientRect();
            const inside = [...svg.querySelectorAll('rect.estimate, line.ci')].every(e => {
                const b = e.getBoundingClientRect();
                return b.left >= box.left - 1 && b.right <= box.right + 1;
            });
            const table = document.getElementById(svg.id.replace('forest-', 'odds-'));
            const estimable = [...table.tBodies[0].rows].filter(
                r => !r.textContent.includes('not estimable')).length;
            return {id: svg.id, width: box.width, height: box.height, inside: inside,
                    points: svg.querySelectorAll('rect.estimate').length,
                    lines: svg.querySelectorAll('line.ci').length, estimable: estimable};
        })"""
    )
    with duckdb.connect(str(db), read_only=True) as con:
        models = con.sql(
            "select count(*) from analysis.regression_models where variables_selected <> ''"
        ).fetchall()[0][0]
    assert len(forests) == models > 15
    for forest in forests:
        assert forest["width"] > 400 and forest["height"] > 60, forest
        assert forest["points"] == forest["lines"] == forest["estimable"], forest
        assert forest["inside"], forest
    assert sum(f["points"] for f in forests) > 50

    # The inline stylesheet applied (header shading), so the page is styled offline.
    shading = browser.evaluate(
        "getComputedStyle(document.querySelector('thead th')).backgroundColor"
    )
    assert shading == "rgb(243, 242, 241)"

    # Nothing wider than the window (an unbreakable number once pushed it to 2,770 px).
    assert browser.evaluate("document.documentElement.scrollWidth") <= 1280

    # The page opens with the warehouse it was built from: the three programmes in
    # their order, their years, and the cases of each in the sample.
    with duckdb.connect(str(db), read_only=True) as con:
        cases = dict(
            con.sql("select programme, count(*) from marts.dim_case group by 1").fetchall()
        )
    assert browser.evaluate("document.querySelector('h1').textContent") == (
        "The quality of public protection work: OMI2, Q&I and PI18 inspections, 2009–2019"
    )
    facts = browser.evaluate(
        "[...document.querySelectorAll('#key-facts div')].map(d => d.innerText.trim())"
    )
    assert facts[0].split("\n") == [f"{sum(cases.values()):,}", "case assessments in the sample"]
    assert sum(cases.values()) == 8629
    assert [f.split("\n")[0] for f in facts[1:4]] == [
        f"{cases[p]:,}" for p in ("OMI2", "Q&I", "PI18")
    ]
    assert [f.split("\n")[1].split(" (")[0] for f in facts[1:4]] == ["OMI2", "Q&I", "PI18"]
    contents = browser.evaluate(
        "[...document.querySelectorAll('nav a')].map(a => a.getAttribute('href'))"
    )
    assert "#programme-trend" in contents and "#part-bulletin" in contents
    # The trend table shows each change's comparability grade: Q3 of PI18 is partial
    # against Q&I, and the grade is in the cell itself, where a reader looks.
    grades = browser.evaluate(
        """[...document.querySelectorAll('#programme-trend-data tbody tr')].map(tr => [
            tr.cells[0].textContent.trim(), tr.cells[1].textContent.trim(),
            [...tr.querySelectorAll('td[data-grade]')].map(td => td.innerText.trim())])"""
    )
    q3_all = next(
        changes for q, agency, changes in grades if q.startswith("Q3") and agency == "All"
    )
    assert q3_all[-1].endswith("partial") and q3_all[0].endswith("close")
    assert browser.evaluate("document.querySelector('#grade-notes').innerText").count("partial")
    # Q4 is not collected by PI18, and says so
    q4 = browser.evaluate(
        """[...document.querySelectorAll('#programme-trend-data tbody tr')]
            .filter(tr => tr.cells[0].textContent.startsWith('Q4'))
            .map(tr => tr.querySelector('td.not-collected')?.textContent)"""
    )
    assert q4 and set(q4) == {"not collected"}
    # A trend finding names only the levels that differ, against which programme.
    finding = browser.evaluate("document.querySelector('#model-trend_q1_all .headline').innerText")
    assert "Against OMI2 cases" in finding
    assert "Q&I cases did not differ significantly from OMI2 cases" in finding
    assert "Q&I cases had lower odds" not in finding

    shot = browser.screenshot(SCREENSHOT)
    width, height = png_size(shot)
    assert width == 1280 and height > 5000  # the whole page, not the first screen
