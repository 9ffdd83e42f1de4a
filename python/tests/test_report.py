"""`report`: the bulletin's tables, Figure 1 and findings from the warehouse, with
disclosure control, as HTML, Excel and CSV."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import BULLETIN_VIEW, copy_of

from public_protection import cli
from public_protection.report.build import write_report
from public_protection.report.data import read_report_data
from public_protection.report.disclosure import recoverable
from public_protection.report.tables import VARIABLE_LABELS, build_layout, disclosure_cells

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def analysed(demo_warehouse, tmp_path_factory) -> Path:
    """The demo warehouse after validate and regress: everything the report reads."""
    db = copy_of(demo_warehouse, tmp_path_factory.mktemp("analysed"))
    for verb in ("validate", "regress"):
        assert cli.main([verb, "--db", str(db)]) == cli.EXIT_OK
    return db


@pytest.fixture
def warehouse(analysed, tmp_path) -> Path:
    return copy_of(analysed, tmp_path)


class Tables(HTMLParser):
    """Each <table id=...> of a page as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.text_parts: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self._table = attributes.get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text_parts))


def parse(path: Path) -> Tables:
    page = Tables()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def same_value(value) -> object:
    """A cell as a number when it is one (Excel keeps 69.0 as 69), else as text."""
    if value is None or value == "":
        return ""
    try:
        return float(value)
    except ValueError:
        return str(value)


def warehouse_rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_every_cell_of_tables_1_to_8_is_shown_as_the_warehouse_holds_it(warehouse, tmp_path):
    result = write_report(warehouse, tmp_path / "report")
    page = parse(result.html)

    table_1 = {row[0]: row[1:] for row in page.tables["table-1-data"][1:]}
    for area, omi2, qi, total in warehouse_rows(
        warehouse, "select area, omi2_n, qi_n, total_n from reporting.rpt_sample_by_area"
    ):
        assert table_1[area] == [f"{omi2:,}", f"{qi:,}", f"{total:,}"]
    assert len(table_1) == 13  # 12 areas and the total

    subgroup = warehouse_rows(
        warehouse,
        "select question_id, variable, category, programme, n, pct_yes, ci_low, ci_high "
        "from reporting.rpt_judgement_by_subgroup where " + BULLETIN_VIEW,
    )
    offsets = {"All": 2, "OMI2": 5, "Q&I": 8}
    shown = 0
    for question, _variable, category, programme, n, pct, low, high in subgroup:
        rows = page.tables[f"table-{question + 1}-data"][2:]
        row = next(r for r in rows if r[1] == category)
        at = offsets[programme]
        assert row[at : at + 3] == [f"{n:,}", f"{pct:.1f}%", f"{low:.1f}\u2013{high:.1f}"]
        shown += 1
    assert shown == 378
    assert result.primary_suppressed == result.secondary_suppressed == 0


def test_figure_1_draws_one_bar_per_question_and_agency_from_the_agency_change(warehouse, tmp_path):
    html = write_report(warehouse, tmp_path / "report").html.read_text(encoding="utf-8")
    bars = {
        (int(q), a): float(c)
        for q, a, c in re.findall(
            r'class="bar" data-question="(\d)" data-agency="(\w+)" data-change="([-\d.]+)"', html
        )
    }
    expected = warehouse_rows(
        warehouse,
        "select question_id, responsible_agency, change_pp from reporting.rpt_agency_change",
    )
    assert len(bars) == len(expected) == 14
    for question, agency, change in expected:
        assert bars[(question, agency)] == pytest.approx(change, abs=1e-4)


def test_regression_sentences_follow_the_analysis_tables(warehouse, tmp_path):
    page = parse(write_report(warehouse, tmp_path / "report").html)
    models = warehouse_rows(
        warehouse,
        "select question_id, sample, n, variables_selected, programme_selected, model_set "
        "from analysis.regression_models",
    )
    phrases = {"All": "For all cases", "CRC": "For cases now allocated to CRCs",
               "NPS": "For cases now allocated to the NPS"}  # fmt: skip
    headings = {"bulletin": "What the regressions show (Q{})",
                "trend": "What the trend's regressions show (Q{},"}  # fmt: skip
    text = page.text
    assert {row[5] for row in models} == {"bulletin", "trend"}
    for question, sample, n, selected, programme_selected, model_set in models:
        start = text.index(headings[model_set].format(question))
        paragraph = text[text.index(f"{phrases[sample]} (n = {n:,}", start) :]
        paragraph = paragraph[: paragraph.index(". For ") if ". For " in paragraph else 2000]
        for variable in (selected or "").split(", "):
            if variable:
                assert VARIABLE_LABELS[variable] in paragraph
        verdict = "was selected" if programme_selected else "was not selected"
        assert f"Inspection programme {verdict}" in paragraph, (question, sample)
    agreed = warehouse_rows(
        warehouse,
        "select count(*) filter (where agrees), count(*) from analysis.regression_vs_bulletin",
    )[0]
    assert text.count(": agrees.") == agreed[0]
    assert text.count(": differs.") == agreed[1] - agreed[0]


def test_separated_levels_are_not_given_odds_ratios_or_small_counts(warehouse, tmp_path):
    text = parse(write_report(warehouse, tmp_path / "report").html).text
    separated = warehouse_rows(
        warehouse,
        "select count(*) from analysis.regression_models where separation_warnings is not null",
    )[0][0]
    assert separated > 0  # the demo has some; otherwise this test proves nothing
    assert text.count("so their odds ratios cannot be estimated") == separated
    assert "case(s)" not in text
    # An artefact of separation would print as a huge odds ratio or interval.
    assert not re.search(r"(odds ratio|to) \d{5,}", text)


def test_a_minimum_n_hides_small_cells_everywhere_but_the_warehouse(warehouse, tmp_path):
    before = warehouse_rows(
        warehouse, "select * from reporting.rpt_judgement_by_subgroup order by all"
    )
    result = write_report(warehouse, tmp_path / "report", minimum_n=60)

    data = read_report_data(warehouse)
    layout = build_layout(data, 60)
    cells, relations = disclosure_cells(data, layout.bulletin, layout.parts)
    hidden = layout.suppression
    assert result.primary_suppressed == sum(n < 60 for n in cells.values()) > 0
    assert result.secondary_suppressed > 0
    assert recoverable(hidden, relations) == []

    # Table 1 in all three outputs: [c] exactly where the layout hides a count.
    page = parse(result.html)
    html_rows = {row[0]: row[1:] for row in page.tables["table-1-data"][1:]}
    csv_rows = {row[0]: row[1:] for row in read_csv(result.csv_folder / "table_1.csv")[1:]}
    sheet = openpyxl.load_workbook(result.workbook)["Table 1"]
    xlsx_rows = {r[0]: list(r[1:]) for r in sheet.iter_rows(min_row=3, values_only=True)}
    for area, html_values in html_rows.items():
        for index, column in enumerate(("OMI2", "Q&I", "Total")):
            is_hidden = ("table1", area, column) in hidden
            assert (html_values[index] == "[c]") == is_hidden
            assert (csv_rows[area][index] == "[c]") == is_hidden
            assert (xlsx_rows[area][index] == "[c]") == is_hidden
            if not is_hidden:
                assert csv_rows[area][index] == str(cells[("table1", area, column)])

    # Tables 2-8: a hidden cell shows no n, no % and no interval.
    for key in hidden.reasons:
        if key[0] != "subgroup":
            continue
        _, question, variable, category, programme = key
        rows = read_csv(result.csv_folder / f"table_{question + 1}.csv")
        header = rows[0]
        label = "All cases" if programme == "All" else programme
        row = next(r for r in rows[1:] if r[2] == category and r[1] == VARIABLE_LABELS[variable])
        for column in ("n", "% yes", "95% CI low", "95% CI high"):
            assert row[header.index(f"{label} {column}")] == "[c]"
    # No number that was hidden appears in a Figure 1 bar either.
    html = result.html.read_text(encoding="utf-8")
    hidden_bars = {(k[1], k[2]) for k in hidden.reasons if k[0] == "agency"}
    for question, agency in hidden_bars:
        assert f'data-question="{question}" data-agency="{agency}"' not in html

    after = warehouse_rows(
        warehouse, "select * from reporting.rpt_judgement_by_subgroup order by all"
    )
    assert after == before


def test_a_large_minimum_takes_the_figure_1_bars_it_hides_out_of_the_chart(warehouse, tmp_path):
    result = write_report(warehouse, tmp_path / "report", minimum_n=400)
    html = result.html.read_text(encoding="utf-8")
    small = warehouse_rows(
        warehouse,
        "select question_id, responsible_agency from reporting.rpt_agency_change "
        "where least(omi2_n, qi_n) < 400",
    )
    assert small
    for question, agency in small:
        assert f'data-question="{question}" data-agency="{agency}"' not in html
    figure = {(int(r[0]), r[2]): r for r in read_csv(result.csv_folder / "figure_1.csv")[1:]}
    assert all(row[7] == "[c]" for key, row in figure.items() if key in set(small))
    assert any(key in set(small) for key in figure)


def test_reconciliation_and_data_quality_failures_are_reported(warehouse, tmp_path):
    good = parse(write_report(warehouse, tmp_path / "good").html).text
    assert "all 829 figures match" in good
    assert re.search(r"all \d+ checks passed", good)

    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update reporting.rpt_published_reconciliation set is_match = false, "
            "warehouse_value = warehouse_value + 1 where check_id = 'table1:Kent:qi_n'"
        )
        con.execute(
            "update dq.validation_results set success = false where rowid = "
            "(select min(rowid) from dq.validation_results where severity = 'critical')"
        )
    page = parse(write_report(warehouse, tmp_path / "bad").html)
    assert "1 of 829 figures differ" in page.text
    assert page.tables["reconciliation-mismatches"][1] == [
        "Kent, Q&I cases (Table 1)",
        "81",
        "82",
    ]
    assert "1 critical check(s) failed" in page.text


def test_the_same_warehouse_gives_the_same_bytes(warehouse, tmp_path):
    first = write_report(warehouse, tmp_path / "one")
    second = write_report(warehouse, tmp_path / "two")
    names = sorted(p.relative_to(first.folder) for p in first.folder.rglob("*") if p.is_file())
    assert names == sorted(
        p.relative_to(second.folder) for p in second.folder.rglob("*") if p.is_file()
    )
    assert len(names) == 18  # the HTML, the workbook and 16 CSVs
    for name in names:
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes(), name


def test_workbook_sheets_hold_the_csv_figures(warehouse, tmp_path):
    result = write_report(warehouse, tmp_path / "report")
    workbook = openpyxl.load_workbook(result.workbook)
    assert workbook.sheetnames[0] == "Contents"
    for path in result.csvs:
        sheet = workbook[path.stem.replace("_", " ").capitalize()[:31]]
        rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
        expected = read_csv(path)
        assert len(rows) == len(expected), path.stem
        for got, want in zip(rows, expected, strict=True):
            assert [same_value(v) for v in got] == [same_value(v) for v in want], path.stem


def test_a_failed_report_leaves_the_previous_one_and_a_new_one_replaces_it_whole(
    warehouse, tmp_path
):
    folder = tmp_path / "report"
    write_report(warehouse, folder)
    (folder / "stale.txt").write_text("from an older version")
    write_report(warehouse, folder)
    assert not (folder / "stale.txt").exists()

    before = (folder / "public_protection_report.html").read_bytes()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table analysis.regression_models")
    code = cli.main(["report", "--db", str(warehouse), "--report-dir", str(folder)])
    assert code == cli.EXIT_FAILED
    assert (folder / "public_protection_report.html").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report")]


def test_report_on_a_built_warehouse_without_regressions_names_the_missing_stage(
    demo_warehouse, tmp_path, capsys
):
    db = copy_of(demo_warehouse, tmp_path)
    code = cli.main(["report", "--db", str(db), "--report-dir", str(tmp_path / "r")])
    assert code == cli.EXIT_FAILED
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "analysis.regression_models: run `public-protection regress` first" in err
    assert not (tmp_path / "r").exists()


def test_the_reconciliation_shows_no_figure_the_tables_hide(warehouse, tmp_path):
    # Two figures that differ from the bulletin and are small: a subgroup cell the
    # tables hide, and a count from the text that is below the minimum.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update reporting.rpt_judgement_by_subgroup set n = 3, n_yes = 3 "
            "where question_id = 1 and variable = 'gender' and category = 'Female' "
            "and programme = 'OMI2'"
        )
        con.execute(
            "update reporting.rpt_published_reconciliation set warehouse_value = 3, "
            "is_match = false where check_id in "
            "('table2:gender:Female:OMI2:n', 'text:omi2_nps_cases')"
        )
    result = write_report(warehouse, tmp_path / "report")
    rows = {r[0]: r for r in read_csv(result.csv_folder / "reconciliation.csv")[1:]}
    assert rows["table2:gender:Female:OMI2:n"][4] == "[c]"
    assert rows["text:omi2_nps_cases"][4] == "[c]"
    assert rows["table1:Kent:qi_n"][4] == "81.0"  # a matching figure is public anyway
    mismatches = parse(result.html).tables["reconciliation-mismatches"][1:]
    assert sorted(row[2] for row in mismatches) == ["[c]", "[c]"]
    sheet = openpyxl.load_workbook(result.workbook)["Reconciliation"]
    shown = {row[0]: row[4] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert shown["table2:gender:Female:OMI2:n"] == "[c]"


def test_separated_groups_are_named_only_when_they_hold_the_minimum(warehouse, tmp_path):
    terms = warehouse_rows(
        warehouse,
        "select min(cases_at_level) from analysis.regression_terms t "
        "join analysis.regression_models m using (model_id) "
        "where m.separation_warnings like "
        "'%' || t.variable || '=' || t.level || ': every case%'",
    )
    smallest = terms[0][0]
    assert smallest is not None  # the demo has separated levels
    named = parse(write_report(warehouse, tmp_path / "named", minimum_n=smallest).html).text
    hidden = parse(write_report(warehouse, tmp_path / "hidden", minimum_n=smallest + 1).html).text
    assert "not named as they hold fewer than" not in named
    assert f"not named as they hold fewer than {smallest + 1} cases" in hidden


def test_each_model_has_an_odds_ratio_table_as_the_analysis_holds_it(warehouse, tmp_path):
    result = write_report(warehouse, tmp_path / "report")
    page = parse(result.html)
    terms = warehouse_rows(
        warehouse,
        "select model_id, variable, level, reference_level, odds_ratio, ci_low, ci_high "
        "from analysis.regression_terms where model_kind = 'stepwise' "
        "and variable <> '(constant)' order by model_id",
    )
    by_model: dict[str, list[tuple]] = {}
    for model_id, *term in terms:
        by_model.setdefault(model_id, []).append(tuple(term))
    assert len(by_model) > 15
    estimable = 0
    for model_id, expected in by_model.items():
        rows = page.tables[f"odds-{model_id}"][1:]  # after the header row
        assert len(rows) == len(expected), model_id
        shown = {(r[0], r[1]): r for r in rows}
        for variable, level, reference, odds, low, high in expected:
            row = shown[(VARIABLE_LABELS[variable], str(level))]
            assert row[2] == str(reference)
            if row[3] != "not estimable (separation)":
                assert (row[3], row[4]) == (f"{odds:.2f}", f"{low:.2f} to {high:.2f}")
                estimable += 1
    assert estimable > 50
    # The CSV holds the same rows as the tables.
    odds_csv = read_csv(result.csv_folder / "odds_ratios.csv")
    assert len(odds_csv) - 1 == len(terms)
    # One forest plot per model with a selection.
    html = result.html.read_text(encoding="utf-8")
    assert html.count('class="forest"') == len(by_model)


def test_figure_1_table_prints_changes_as_the_chart_does(warehouse, tmp_path):
    page = parse(write_report(warehouse, tmp_path / "report").html)
    header, *rows = page.tables["figure-1-data"]
    at = next(i for i, heading in enumerate(header) if heading.lower().startswith("change"))
    changes = [row[at] for row in rows]
    falls = warehouse_rows(
        warehouse, "select count(*) from reporting.rpt_agency_change where change_pp < 0"
    )[0][0]
    assert falls > 0  # the demo has falls, so the check proves something
    assert sum(c.startswith("\u2212") for c in changes) == falls  # a true minus sign
    assert not any(c.startswith("-") for c in changes)


def test_reconciliation_rows_sort_numbers_as_numbers():
    from public_protection.report.tables import natural_key

    ids = ["Table 10", "L1010", "Table 2", "L193", "Table 1"]
    assert sorted(ids, key=natural_key) == ["L193", "L1010", "Table 1", "Table 2", "Table 10"]
