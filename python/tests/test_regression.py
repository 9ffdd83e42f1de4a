"""`regress` on the demo warehouse: the bulletin's 21 models and the trend's, their logs and
the bulletin comparison; which models, from the marts' reference data."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import copy_of

from public_protection import cli
from public_protection.regression.models import ModelSpec, model_specs, run_regressions

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
            "select model_set, count(*), count(distinct model_id) from analysis.regression_models "
            "group by 1 order by 1"
        ) == [("bulletin", 21, 21), ("trend", 21, 21)]
        # The trend's models: each question over every programme that collects it where
        # that is not the bulletin's pair: PI18 collects all but question 4, and question
        # 8 (planning) is beyond the bulletin.
        assert rows(
            "select model_id, programmes from analysis.regression_models "
            "where model_set = 'trend' order by 1"
        ) == [
            (f"trend_q{q}_{s}", "OMI2, Q&I, PI18")
            for q in (1, 2, 3, 5, 6, 7, 8)
            for s in ("all", "crc", "nps")
        ]
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
        # Every statement of the seed compared, with the bulletin's models only.
        assert rows("select count(*) from analysis.regression_vs_bulletin") == rows(
            "select count(*) from seeds.published_significance"
        )
        assert rows("select count(*) from seeds.published_significance") == [(28,)]


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


def reference_marts(loaded: tuple[str, ...]) -> duckdb.DuckDBPyConnection:
    """Three programmes' reference data (C outside the bulletin, with a national sample),
    and cases of the ``loaded`` ones only."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.dim_programme as select * from (values "
        "('B', 2, true, false), ('A', 1, true, false), ('C', 3, false, true)) "
        "as t(programme, sort_order, in_bulletin, national_sample)"
    )
    con.execute(
        "create table marts.dim_question as select * from (values "
        "(1, true), (2, true), (3, false), (4, false)) as t(question_id, is_in_bulletin)"
    )
    con.execute(
        "create table marts.dim_question_source as select * from (values "
        "(1, 'A'), (1, 'B'), (1, 'C'), (2, 'A'), (2, 'B'), (2, 'C'), (3, 'A'), (4, 'A'), "
        "(4, 'B')) as t(question_id, programme)"
    )
    con.execute("create table marts.dim_case (case_key varchar, programme varchar)")
    for programme in loaded:
        con.execute("insert into marts.dim_case values (?, ?)", [f"{programme}1", programme])
    return con


SAMPLES = ("All", "CRC", "NPS")


def test_the_models_follow_the_programmes_and_questions_in_the_marts():
    # A third programme, outside the bulletin, collecting questions 1 and 2 only; question 3
    # collected by one programme alone has no trend.
    specs = model_specs(reference_marts(("A", "B", "C")))
    assert specs == [
        *(ModelSpec("bulletin", q, s, ("A", "B")) for q in (1, 2) for s in SAMPLES),
        *(ModelSpec("trend", q, s, ("A", "B", "C")) for q in (1, 2) for s in SAMPLES),
        *(ModelSpec("trend", 4, s, ("A", "B")) for s in SAMPLES),
    ]
    assert [s.model_id for s in specs][:1] == ["q1_all"]
    assert specs[6].model_id == "trend_q1_all"


def test_the_models_follow_the_programmes_loaded():
    # Without both of the bulletin's programmes there is no bulletin model; a trend needs
    # two loaded programmes; a programme loaded alone gets its own models, on its whole
    # sample where that is national.
    assert model_specs(reference_marts(("A", "C"))) == [
        ModelSpec("trend", q, s, ("A", "C")) for q in (1, 2) for s in SAMPLES
    ]
    assert model_specs(reference_marts(("B",))) == [
        ModelSpec("programme", q, s, ("B",)) for q in (1, 2, 4) for s in SAMPLES
    ]
    alone = model_specs(reference_marts(("C",)))
    assert alone == [
        ModelSpec("programme", q, s, ("C",), "national") for q in (1, 2) for s in SAMPLES
    ]
    assert alone[0].model_id == "c_q1_all"
    # the bulletin's pair alone: its models, and a trend only where they do not cover it
    assert model_specs(reference_marts(("A", "B"))) == [
        *(ModelSpec("bulletin", q, s, ("A", "B")) for q in (1, 2) for s in SAMPLES),
        *(ModelSpec("trend", 4, s, ("A", "B")) for s in SAMPLES),
    ]


def test_statements_are_not_compared_at_a_larger_demo_scale(demo_warehouse, tmp_path, capsys):
    # the demo at scale K holds K copies of the plan: every statistic grows about K-fold,
    # so the bulletin's statements, about its own sample size, are compared at scale 1 only
    db = copy_of(demo_warehouse, tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute("update reporting.rpt_build_info set bulletin_scale = 3")
    assert cli.main(["regress", "--db", str(db)]) == cli.EXIT_OK
    err = " ".join(capsys.readouterr().err.split())
    assert "significance statements not compared: the demo at scale 3" in err
    assert "statements reproduced" not in err
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from analysis.regression_vs_bulletin").fetchall() == [
            (0,)
        ]
        # the models themselves are fitted as ever
        assert con.execute("select count(*) from analysis.regression_models").fetchall() == [(42,)]


def pattern_frame(rows: list[tuple[str, bool, int]]) -> pd.DataFrame:
    """Covariate patterns as read_cases reads them: (agency, judged yes, cases), every
    candidate at its first level."""
    from public_protection.regression.models import CANDIDATES

    records = []
    for agency, yes, cases in rows:
        record = {"question_id": 1, "is_sufficient": yes, "responsible_agency": agency}
        record["is_matched_area"] = True
        for name, levels in CANDIDATES.items():
            record[name] = levels[0] if levels else ("P" if name == "programme" else "Kent")
        records.append({**record, "cases": cases})
    return pd.DataFrame(records)


def test_a_model_that_cannot_be_fitted_is_stored_with_the_reason():
    # No NPS case at all, and CRC cases all judged the same: neither model can be
    # fitted; both are stored, not reliable, with the reason, and nothing is raised.
    from public_protection.regression.models import fit_model, tables

    frame = pattern_frame([("CRC", True, 30)])
    runs = [
        fit_model(frame, ModelSpec("programme", 1, sample, ("P",), "national"), "lr", ["Kent"])
        for sample in ("All", "CRC", "NPS")
    ]
    models = tables(runs, "lr")["regression_models"].set_index("sample")
    assert models.loc["NPS", "reliability_note"] == (
        "not fitted: no case in the sample after listwise deletion"
    )
    assert models.loc["CRC", "reliability_note"] == "not fitted: every case has the same judgement"
    assert not models["is_reliable"].any()
    assert models["log_likelihood"].isna().all()
    assert list(models.index) == ["All", "CRC", "NPS"]
    assert models.loc["All", "model_id"] == "p_q1_all"


def test_a_singular_score_test_keeps_the_candidate_out_instead_of_raising():
    from public_protection.regression.stepwise import Block, fit_logit, score_test

    y = np.array([1.0, 0.0, 1.0, 0.0])
    x = np.array([[1.0], [1.0], [0.0], [0.0]])
    blocks = {"a": Block("a", x, ("yes",), "no"), "b": Block("b", x.copy(), ("yes",), "no")}
    fitted = fit_logit(y, blocks, ("a",), np.array([5.0, 3.0, 4.0, 6.0]))
    _statistic, df, p = score_test(fitted, blocks["b"])  # b is a copy of a: singular
    assert (df == 1 and np.isnan(p)) or p == pytest.approx(1.0)
