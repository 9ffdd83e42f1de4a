"""The benchmark's floors compute exactly what the build does (or their ratios mean nothing).

The every-programme floor (benchmarks/floor_programme_trend.sql) is run as the
benchmark runs it and checked with the benchmark's own check, on the demo
warehouse; a difference planted in a copy of it (a raw row changed after the
build, or the built table changed) must be found. The read_json floor for the PI18
load must write as many cases and ratings as raw holds.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from conftest import BULLETIN_VIEW, copy_of, load_script

pytestmark = pytest.mark.dbt

ROOT = Path(__file__).resolve().parents[2]
FLOOR_SQL = ROOT / "benchmarks" / "floor_judgement_by_subgroup.sql"
benchmark = load_script(ROOT / "benchmarks" / "benchmark.py")
read_json_floor = load_script(ROOT / "benchmarks" / "floor_pi18_read_json.py")


def trend_floor_differences(db: Path, tmp_path: Path) -> list[str]:
    """The every-programme floor as the benchmark runs and checks it."""
    _, _, _, rows = benchmark.run_floor(db, benchmark.FLOOR, ROOT, tmp_path / "floor.log")
    return benchmark.floor_differences(db, benchmark.FLOOR, rows)


def test_floor_query_reproduces_rpt_judgement_by_subgroup(demo_warehouse, monkeypatch):
    monkeypatch.chdir(ROOT)  # the floor reads the seed CSVs by relative path
    assert os.path.exists("seeds/code_lists.csv")
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        floor = con.sql(FLOOR_SQL.read_text(encoding="utf-8")).fetchall()
        model = con.sql(
            "select question_id, variable, category, programme, n, n_yes, pct_yes, "
            "ci_low, ci_high from reporting.rpt_judgement_by_subgroup where " + BULLETIN_VIEW
        ).fetchall()
    assert len(floor) == len(model) == 378
    floor_cells = {row[:4]: row[4:] for row in floor}
    for key, (n, n_yes, pct, low, high) in ((row[:4], row[4:]) for row in model):
        got = floor_cells[key]
        assert got[:2] == (n, n_yes), key
        assert got[2:] == pytest.approx((pct, low, high), abs=1e-9), key


def test_every_programme_floor_reproduces_rpt_programme_trend(demo_warehouse, tmp_path):
    _, _, _, rows = benchmark.run_floor(
        demo_warehouse, benchmark.FLOOR, ROOT, tmp_path / "floor.log"
    )
    assert benchmark.floor_differences(demo_warehouse, benchmark.FLOOR, rows) == []
    # every programme, both scopes, the agencies and All: the whole table, not a part
    assert len(rows) == 90
    assert {row[1] for row in rows} == {"OMI2", "Q&I", "PI18"}
    assert {(row[1], row[3]) for row in rows if row[3] == "national"} == {("PI18", "national")}
    assert {row[2] for row in rows} == {"All", "CRC", "NPS"}


def sample_pi18_rating(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str]:
    """A rating that counts: a sample case's Yes on a harmonised question (national scope)."""
    return con.execute(
        "select ratings.case_id, ratings.ref, ratings._source_file "
        "from raw.pi18_ratings as ratings "
        "inner join intermediate.int_judgement_rows_screened as screened "
        "on screened.source_file = ratings._source_file "
        "and screened.source_row = ratings._source_row "
        "where screened.programme = 'PI18' and screened.outcome = 'sample' "
        "and screened.answer = 'Yes' order by all limit 1"
    ).fetchall()[0]


# Each changes a copy of the demo warehouse after the build, so the floor (from raw)
# and the build's table no longer agree.
PLANTED = {
    # one rating that counts, now No: n_yes falls by one for its question
    "a rating changed in raw": lambda con: con.execute(
        "update raw.pi18_ratings set rating = 'No' "
        "where case_id = ? and ref = ? and _source_file = ?",
        list(sample_pi18_rating(con)),
    ),
    # the later re-export gone: the export it superseded counts again
    "the latest export removed from raw": lambda con: con.execute(
        "delete from raw.pi18_cases where _source_file = (select max(_source_file) "
        "from raw.pi18_cases where regexp_matches(_source_file, '_[0-9]+\\.json$'))"
    ),
    # an OMI2 case's identical copy made different: a conflicting duplicate
    "a duplicate made to conflict": lambda con: con.execute(
        "update raw.omi2_cases set InspectorComments = 'changed' "
        "where (_source_file, _source_row) = (select (source_file, source_row) "
        "from intermediate.int_case_rows_screened "
        "where programme = 'OMI2' and outcome = 'duplicate' and case_key in (select "
        "case_key from intermediate.int_case_rows_screened where outcome = 'sample') "
        "order by all limit 1)"
    ),
    # the built table's count changed: the check reads the build's side too
    "the trend table changed": lambda con: con.execute(
        "update reporting.rpt_programme_trend set n = n + 1 "
        "where question_id = 2 and programme = 'Q&I' and responsible_agency = 'All'"
    ),
}


@pytest.mark.parametrize("planting", list(PLANTED))
def test_a_planted_difference_fails_the_floor_check(demo_warehouse, tmp_path, planting):
    db = copy_of(demo_warehouse, tmp_path)
    with duckdb.connect(str(db)) as con:
        PLANTED[planting](con)
    problems = trend_floor_differences(db, tmp_path)
    assert problems, planting
    assert any(p.startswith("floor only") for p in problems)
    assert any(p.startswith("build only") for p in problems)


def test_the_floor_check_names_a_missing_trend_table(demo_warehouse, tmp_path):
    db = copy_of(demo_warehouse, tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute("drop table reporting.rpt_programme_trend")
    assert benchmark.floor_differences(db, benchmark.FLOOR, [])[0].startswith(
        "the build's table cannot be read"
    )


def test_read_json_floor_writes_every_case_and_rating_raw_holds(demo_warehouse, tmp_path):
    landing = demo_warehouse.parent / "landing"
    _, cases, ratings = read_json_floor.load(landing / "pi18", tmp_path / "read_json.duckdb")
    assert (cases, ratings) == benchmark.raw_pi18_counts(demo_warehouse)
    # the same ratings, too: file, case, ref and rating as received
    with duckdb.connect(str(tmp_path / "read_json.duckdb"), read_only=True) as con:
        floor = con.sql(
            "select parse_filename(filename), case_id, ref, rating from ratings"
        ).fetchall()
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        raw = con.sql(
            "select parse_filename(_source_file), case_id, ref, rating from raw.pi18_ratings"
        ).fetchall()
    assert benchmark.differences(floor, raw) == []
