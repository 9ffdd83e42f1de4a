"""The analysts' questions in analysis/ compile with dbt and answer as the marts do.

dbt compiles analyses but never runs them; this test runs every compiled one on
the demo warehouse, so none can rot when a model changes, and checks each
against the table it restates (and the README's example queries against them).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import copy_of
from test_published_compat import readme_queries

from public_protection.dbt import run_dbt

pytestmark = pytest.mark.dbt

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def answers(regressed_warehouse, tmp_path_factory):
    """Every analysis compiled by dbt and run: {name: rows}, with the warehouse."""
    folder = tmp_path_factory.mktemp("analyses")
    db = copy_of(regressed_warehouse, folder)
    target = folder / "target"
    command = ["compile", "--select", "resource_type:analysis", "--target-path", str(target)]
    assert run_dbt(command, ROOT, db)
    compiled = sorted((target / "compiled" / "public_protection" / "analysis").glob("*.sql"))
    # dbt's SQL names the database public_protection, whatever the file is called.
    with duckdb.connect() as con:
        con.execute(f"attach '{db}' as public_protection (read_only)")
        con.execute("use public_protection")
        results = {path.stem: con.execute(path.read_text()).fetchall() for path in compiled}
    return results, db


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_analysis_is_compiled_and_answers(answers):
    results, _ = answers
    written = {path.stem for path in (ROOT / "analysis").glob("*.sql")}
    assert set(results) == written
    assert len(written) >= 5
    assert all(results.values()), [name for name, rows in results.items() if not rows]


def test_the_sample_by_programme_adds_up_to_table_1(answers):
    results, db = answers
    by_programme: dict[str, int] = {}
    for programme, _, cases in results["sample_by_programme_and_agency"]:
        by_programme[programme] = by_programme.get(programme, 0) + cases
    ((omi2, qi),) = query(
        db, "select sum(omi2_n), sum(qi_n) from reporting.rpt_sample_by_area where area <> 'Total'"
    )
    cases = dict(query(db, "select programme, count(*) from marts.dim_case group by 1"))
    assert by_programme == {**cases, "OMI2": omi2, "Q&I": qi}
    assert set(by_programme) == {"OMI2", "Q&I", "PI18"}


def test_pct_yes_by_question_is_the_all_cases_row_of_tables_2_to_8(answers):
    results, db = answers
    expected = query(
        db,
        "select question_id, programme, n, round(pct_yes, 1) from "
        "reporting.rpt_judgement_by_subgroup where variable = 'all' "
        "and programme <> 'All' order by all",
    )
    answered = [(q, p, n, pct) for q, _, p, n, pct in results["pct_yes_by_question_and_programme"]]
    # every programme's all-cases row, the bulletin's questions and the others alike
    # (planning, question 8; PI18 does not collect question 4)
    assert answered == expected
    assert {(q, p) for q, p, *_ in answered if q == 8 or p == "PI18"} == {
        (8, "OMI2"), (8, "Q&I"), *((q, "PI18") for q in (1, 2, 3, 5, 6, 7, 8))
    }  # fmt: skip


def test_the_crc_nps_comparison_restates_figure_1(answers):
    results, db = answers
    figure = {
        (q, agency): (round(change, 1), significant)
        for q, agency, change, significant in query(
            db,
            "select question_id, responsible_agency, change_pp, is_significant_at_05 "
            "from reporting.rpt_agency_change",
        )
    }
    rows = results["crc_nps_change_by_question"]
    assert len(rows) == 7
    for question, _, crc, crc_significant, nps, nps_significant in rows:
        assert (crc, crc_significant) == figure[(question, "CRC")]
        assert (nps, nps_significant) == figure[(question, "NPS")]


def test_the_sample_flow_and_the_selections_restate_their_tables(answers):
    results, db = answers
    assert results["sample_flow"] == query(
        db,
        "select flow, step, row_count from reporting.rpt_sample_flow "
        "order by programme_order, flow, step_order, step",
    )
    # in the programmes' order, not by name: OMI2, Q&I, then PI18
    flows = list(dict.fromkeys(flow for flow, _, _ in results["sample_flow"]))
    assert [f.split()[0] for f in flows] == ["OMI2", "Q&I", "Q&I", "PI18", "PI18"]
    assert sorted(results["stepwise_selections"]) == sorted(
        query(db, "select model_id, variables_selected, programme_p_value "
                  "from analysis.regression_models")
    )  # fmt: skip


def test_the_readmes_example_queries_answer_as_the_analyses(answers):
    results, db = answers
    first, second, _, fourth, trend, flow = readme_queries()
    assert query(db, first) == results["sample_by_programme_and_agency"]
    assert query(db, second) == results["pct_yes_by_question_and_programme"]
    assert query(db, fourth) == results["stepwise_selections"]
    assert query(db, flow) == results["sample_flow"]
    # the trend: the matched areas only, each question's programmes in their order
    rows = query(db, trend)
    assert len(rows) == len(
        query(db, "select * from reporting.rpt_programme_trend where scope = 'matched areas'")
    )
    order = {"OMI2": 1, "Q&I": 2, "PI18": 3}
    for question in {q for q, *_ in rows}:
        programmes = [p for q, p, *_ in rows if q == question]
        assert programmes == sorted(programmes, key=order.get)
