"""The trend's disclosure control in every output, and published files safe to query.

Each test plants a small cell in a copy of the demo warehouse's trend and looks for it
where a reader would: the HTML table, the CSV, the workbook and the aggregate file.
"""

from __future__ import annotations

import re

import duckdb
import openpyxl
import pytest
from test_report import analysed, parse, read_csv, warehouse  # noqa: F401 (fixtures)

from public_protection import cli
from public_protection.publish import publish
from public_protection.report.build import write_report
from public_protection.report.disclosure import SUPPRESSED

pytestmark = pytest.mark.dbt

# One trend cell and the cell it is measured against: PI18 Q3 NPS in the matched
# areas, whose baseline is Q&I's Q3 NPS there.
PI18 = ("PI18", 3, "NPS", "matched areas")
QI = ("Q&I", 3, "NPS", "matched areas")


def shrink(db, cell) -> None:
    """Give one trend cell a count below the default minimum of 10."""
    programme, question, agency, scope = cell
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update reporting.rpt_programme_trend set n = 6, n_yes = 3 where programme = ? "
            "and question_id = ? and responsible_agency = ? and scope = ?",
            [programme, question, agency, scope],
        )


def trend_csv(folder) -> dict[tuple, dict[str, str]]:
    header, *rows = read_csv(folder / "csv" / "programme_trend.csv")
    records = [dict(zip(header, row, strict=True)) for row in rows]
    return {(r["Programme"], int(r["Question ID"]), r["Agency"], r["Scope"]): r for r in records}


def trend_aggregate(path) -> dict[tuple, tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select programme, question_id, agency, scope, n, pct_yes, ci_low, ci_high, "
            "change_percentage_points, p_value from report.programme_trend"
        ).fetchall()
    return {row[:4]: row[4:] for row in rows}


def test_a_small_trend_cell_is_hidden_in_every_output(warehouse, tmp_path):  # noqa: F811
    shrink(warehouse, PI18)
    result = write_report(warehouse, tmp_path / "report")
    # CSV (and so the workbook, which carries the same sheets)
    row = trend_csv(result.folder)[PI18]
    assert [row[c] for c in ("n", "% yes", "95% CI low", "95% CI high")] == [SUPPRESSED] * 4
    assert row["Change (percentage points)"] == SUPPRESSED
    sheet = openpyxl.load_workbook(result.workbook)["Programme trend"]
    values = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == 3]
    assert any(r[2] == "PI18" and r[4] == "NPS" and r[6] == SUPPRESSED for r in values)
    # HTML: the PI18 NPS line of Q3 in the matched-areas table shows [c] for its figures
    lines = parse(result.html).tables["programme-trend-data"]
    q3_nps = next(r for r in lines if r[0].startswith("Q3") and r[1] == "NPS")
    assert q3_nps[-4:-1] == [SUPPRESSED] * 3  # PI18, the last column group
    assert q3_nps[-1] == SUPPRESSED
    # the aggregate file: NULL where the report shows [c]
    aggregate = tmp_path / "aggregate.duckdb"
    publish(warehouse, tmp_path / "analyst.duckdb", aggregate, minimum_n=10)
    assert trend_aggregate(aggregate)[PI18] == (None,) * 6


def test_a_change_is_hidden_when_only_its_baseline_cell_is(warehouse, tmp_path):  # noqa: F811
    # PI18's own cell is large; its baseline's (Q&I) is hidden. Printing PI18's change
    # beside PI18's % yes would give the hidden baseline away.
    shrink(warehouse, QI)
    result = write_report(warehouse, tmp_path / "report")
    rows = trend_csv(result.folder)
    assert rows[QI]["n"] == SUPPRESSED
    assert rows[PI18]["n"] not in (SUPPRESSED, "")
    assert rows[PI18]["Change (percentage points)"] == SUPPRESSED
    assert rows[PI18]["p-value"] == SUPPRESSED
    lines = parse(result.html).tables["programme-trend-data"]
    q3_nps = next(r for r in lines if r[0].startswith("Q3") and r[1] == "NPS")
    assert q3_nps[-1] == SUPPRESSED and q3_nps[-4] != SUPPRESSED
    aggregate = tmp_path / "aggregate.duckdb"
    publish(warehouse, tmp_path / "analyst.duckdb", aggregate, minimum_n=10)
    figures = trend_aggregate(aggregate)[PI18]
    assert figures[0] is not None and figures[4:] == (None, None)


def test_p_values_are_written_as_the_warehouse_holds_them(warehouse, tmp_path):  # noqa: F811
    # a change of many points has a p-value far below 0.001, which is not 0
    result = write_report(warehouse, tmp_path / "report")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        smallest = con.execute(
            "select min(p_value) from reporting.rpt_programme_trend where p_value > 0"
        ).fetchone()[0]
        zeros = con.execute(
            "select count(*) from reporting.rpt_programme_trend where p_value = 0"
        ).fetchone()[0]
    assert smallest < 1e-10 and zeros == 0
    written = [float(r["p-value"]) for r in trend_csv(result.folder).values() if r["p-value"] != ""]
    assert min(written) == pytest.approx(smallest, rel=1e-11)
    assert 0.0 not in written


SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def test_every_published_column_is_named_and_described_for_sql(warehouse, tmp_path):  # noqa: F811
    assert cli.main(["validate", "--db", str(warehouse)]) == cli.EXIT_OK
    analyst, aggregate = tmp_path / "analyst.duckdb", tmp_path / "aggregate.duckdb"
    publish(warehouse, analyst, aggregate, minimum_n=10)
    for path in (analyst, aggregate):
        with duckdb.connect(str(path), read_only=True) as con:
            columns = con.execute(
                "select schema_name, table_name, column_name, comment from duckdb_columns() "
                "where database_name = current_database() and schema_name <> 'main'"
            ).fetchall()
            assert len(columns) > 100
            for schema, table, column, comment in columns:
                where = f"{path.name} {schema}.{table}.{column}"
                assert SAFE_NAME.match(column), where  # queried without quoting
                assert comment, where
                assert comment.strip(". ").lower() != column.replace("_", " "), where
                if path == aggregate and table != "about":
                    # what a value means, not the heading again ("n.")
                    assert ": " in comment.split(" NULL where")[0], where
                assert "OMI2 or Q&I" not in comment, where
            if path == aggregate:
                keyed = {
                    t
                    for (t,) in con.execute(
                        "select table_name from duckdb_constraints() "
                        "where constraint_type = 'PRIMARY KEY'"
                    ).fetchall()
                }
                tables = {t for _, t, _, _ in columns}
                assert tables - keyed == {"about"}, tables - keyed
                # a question label always has its id beside it, and the trend its order
                for table in tables:
                    names = {c for _, t, c, _ in columns if t == table}
                    if "question" in names:
                        assert "question_id" in names, table
                trend = {c: note for _, t, c, note in columns if t == "programme_trend"}
                assert {"question_id", "programme_order"} <= set(trend)
                # a figure says it may be hidden; an identifier or order never is
                assert "NULL where the report shows [c]" in trend["n"]
                assert "NULL where" not in trend["question_id"] + trend["programme_order"]
                # no quoting needed, no digit: the query an analyst writes first
                rows = con.execute(
                    "select question_id, ci_low, ci_high from report.programme_trend "
                    "where ci_low is not null order by programme_order limit 1"
                ).fetchall()
                assert rows and 0 <= rows[0][1] <= rows[0][2] <= 100
