"""The bulletin's 28 significance statements: the demo agrees with each, with room to spare,
and the p-values `regress` reports are confirmed by an independent re-fit."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from public_protection.demo.plan import read_plan
from public_protection.demo.significance import read_statements, statement_results

CANDIDATES = (
    "programme", "gender", "age_group", "ethnic_group", "supervision_type", "rosh_level",
    "mappa_eligible", "area", "offence_category", "domestic_abuse_perpetrator", "iom_case",
    "child_protection_case",
)  # fmt: skip


def test_the_committed_plan_agrees_with_every_statement_with_room_to_spare():
    results = statement_results(read_plan())
    assert len(results) == len(read_statements()) == 28
    for r in results:
        s = r.statement
        assert r.selected == s.significant, (s, r.p_value)
        # significant at p below .01; not significant at p above .10
        assert (r.p_value < 0.01) if s.significant else (r.p_value > 0.10), (s, r.p_value)


def _cases(con: duckdb.DuckDBPyConnection, question: int, sample: str, programmes: list[str]):
    """One row per answered case of the model, from the marts, complete on every candidate."""
    columns = ", ".join(f"dim_case.{c}" for c in CANDIDATES)
    frame = con.execute(
        f"""
        select fct_case_judgement.is_sufficient, dim_case.responsible_agency, {columns}
        from marts.fct_case_judgement
        join marts.dim_case on fct_case_judgement.case_key = dim_case.case_key
        where fct_case_judgement.question_id = ? and fct_case_judgement.is_sufficient is not null
          and dim_case.is_matched_area and list_contains(?, dim_case.programme)
        """,
        [question, programmes],
    ).df()
    if sample != "All":
        frame = frame[frame["responsible_agency"] == sample]
    # listwise deletion over every candidate, as the bulletin's SPSS models did
    return frame.dropna(subset=list(CANDIDATES)).reset_index(drop=True)


def _dummies(frame: pd.DataFrame, variable: str) -> pd.DataFrame:
    """Indicators for all but the first level present (the choice of reference does not
    change a test of the whole variable)."""
    values = frame[variable].astype(str)
    levels = sorted(values.unique())
    return pd.DataFrame({f"{variable}={v}": (values == v).astype(float) for v in levels[1:]})


def _design(frame: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    parts = [pd.DataFrame({"const": np.ones(len(frame))})]
    parts += [_dummies(frame, v) for v in variables]
    return pd.concat(parts, axis=1)


def _logit(y: np.ndarray, x: pd.DataFrame):
    return sm.Logit(y, x).fit(method="newton", maxiter=200, disp=0)


@pytest.mark.dbt
def test_an_independent_refit_confirms_the_reported_p_values(regressed_warehouse):
    with duckdb.connect(str(regressed_warehouse), read_only=True) as con:
        reported = con.execute(
            "select v.question_id, v.sample, v.variable, v.bulletin_significant, "
            "v.warehouse_selected, v.test, v.statistic, v.df, v.p_value, v.clear_margin, "
            "m.variables_selected, m.programmes, m.n "
            "from analysis.regression_vs_bulletin v join analysis.regression_models m "
            "on m.model_set = 'bulletin' and m.question_id = v.question_id "
            "and m.sample = v.sample order by all"
        ).df()
        assert len(reported) == 28
        for row in reported.itertuples():
            frame = _cases(con, row.question_id, row.sample, row.programmes.split(", "))
            assert len(frame) == row.n  # the same cases as the model
            y = frame["is_sufficient"].astype(float).to_numpy()
            selected = [v for v in row.variables_selected.split(", ") if v]
            base = [v for v in selected if v != row.variable]
            reduced = _logit(y, _design(frame, base))
            extra = _dummies(frame, row.variable)
            if row.variable in selected:
                # likelihood ratio of removing it from the final model
                full = _logit(y, _design(frame, selected))
                statistic = 2.0 * (full.llf - reduced.llf)
                test = "lr"
            else:
                # score test of adding it to the final model, by hand
                x = _design(frame, base).to_numpy()
                e = extra.to_numpy()
                p = np.asarray(reduced.predict(_design(frame, base)), dtype=float)
                w = p * (1 - p)
                score = e.T @ (y - p)
                cross = e.T @ (x * w[:, None])
                information = e.T @ (e * w[:, None]) - cross @ np.linalg.solve(
                    x.T @ (x * w[:, None]), cross.T
                )
                statistic = float(score @ np.linalg.solve(information, score))
                test = "score"
            df = extra.shape[1]
            p_value = stats.chi2.sf(statistic, df)
            where = (row.question_id, row.sample, row.variable)
            assert row.test == test and row.df == df, where
            assert statistic == pytest.approx(row.statistic, rel=1e-5, abs=1e-8), where
            assert p_value == pytest.approx(row.p_value, rel=1e-4, abs=1e-12), where
            # every statement agrees, with room to spare, on the independent p-value
            assert row.warehouse_selected == row.bulletin_significant, where
            assert (p_value < 0.01) if row.bulletin_significant else (p_value > 0.10), where
            assert row.clear_margin, where
