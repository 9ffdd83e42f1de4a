"""`regress` on the demo warehouse: 21 models, their logs and the bulletin comparison."""

from __future__ import annotations

import duckdb
import pytest
from conftest import copy_of

from public_protection import cli
from public_protection.regression.models import BULLETIN_STATEMENTS, run_regressions

pytestmark = pytest.mark.dbt


def test_regress_writes_the_analysis_tables(demo_warehouse, tmp_path, capsys):
    db = copy_of(demo_warehouse, tmp_path)
    assert cli.main(["regress", "--db", str(db)]) == cli.EXIT_OK
    err = " ".join(capsys.readouterr().err.split())
    assert "bulletin significance statements reproduced:" in err
    with duckdb.connect(str(db), read_only=True) as con:

        def rows(sql: str):
            return con.execute(sql).fetchall()

        assert rows(
            "select count(*), count(distinct model_id) from analysis.regression_models"
        ) == [(21, 21)]
        # Listwise deletion is counted, and n + dropped is every case answering.
        assert rows(
            "select count(*) from analysis.regression_models "
            "where n + n_dropped_listwise <> n_before_listwise_deletion or n_dropped_listwise = 0"
        ) == [(0,)]
        # Every entered variable has a step; the log's p-values are probabilities.
        assert rows(
            "select count(*) from analysis.regression_steps where p_value < 0 or p_value > 1"
        ) == [(0,)]
        assert rows(
            "select count(*) from analysis.regression_terms where model_kind = 'stepwise' "
            "and variable <> '(constant)' and step_entered is null"
        ) == [(0,)]
        # Programme's adjusted effect is reported whether or not it was selected.
        assert rows(
            "select count(*) from analysis.regression_models where programme_p_value is null"
        ) == [(0,)]
        comparison = rows("select count(*) from analysis.regression_vs_bulletin")
        assert comparison == [(len(BULLETIN_STATEMENTS),)]


def test_selected_variables_match_the_step_log(demo_warehouse):
    results = run_regressions(demo_warehouse)
    steps = results["regression_steps"]
    for model in results["regression_models"].itertuples():
        log = steps[steps["model_id"] == model.model_id]
        inside: list[str] = []
        for step in log.itertuples():
            if step.action == "enter":
                assert step.p_value < 0.05
                inside.append(step.variable)
            else:
                assert step.p_value > 0.10
                inside.remove(step.variable)
        assert ", ".join(inside) == model.variables_selected


def test_the_same_warehouse_gives_the_same_tables(demo_warehouse):
    first, second = run_regressions(demo_warehouse), run_regressions(demo_warehouse)
    for name in first:
        assert first[name].equals(second[name]), name


def test_removal_statistic_is_an_option_and_recorded(demo_warehouse):
    results = run_regressions(demo_warehouse, removal="wald")
    assert set(results["regression_models"]["removal_test"]) == {"wald"}
    assert results["regression_models"]["method"].str.startswith("FSTEP(WALD)").all()
