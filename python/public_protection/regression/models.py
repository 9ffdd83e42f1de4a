"""The bulletin's 21 regressions (7 questions x All, CRC, NPS) on the warehouse.

Reads ``marts`` read-only, fits with ``stepwise``, writes ``analysis``:
``regression_models``, ``regression_terms``, ``regression_steps`` and
``regression_vs_bulletin`` (each significance statement of the text beside
what the warehouse's models find).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from public_protection.categories import AGE_GROUPS, AREAS, OFFENCE_CATEGORIES
from public_protection.regression.stepwise import (
    Block,
    Fit,
    StepwiseResult,
    categorical_block,
    fit_logit,
    forward_stepwise,
)

SAMPLES = ("All", "CRC", "NPS")
QUESTIONS = tuple(range(1, 8))

# Candidate variables and their levels, reference first (as the bulletin's tables
# order them). Booleans enter as No (reference) / Yes.
CANDIDATES: dict[str, list] = {
    "programme": ["OMI2", "Q&I"],
    "gender": ["Male", "Female"],
    "age_group": list(AGE_GROUPS),
    "ethnic_group": ["White", "Black, Asian & Minority Ethnic"],
    "supervision_type": ["Community sentence", "Post-custody"],
    "rosh_level": ["Low", "Medium", "High/Very high"],
    "mappa_eligible": [False, True],
    # London (the largest area) is the reference.
    "area": ["London", *(a for a in AREAS if a != "London")],
    "offence_category": list(OFFENCE_CATEGORIES),
    "domestic_abuse_perpetrator": [False, True],
    "iom_case": [False, True],
    "child_protection_case": [False, True],
}


def level_label(level) -> str:
    """A candidate level as the tables print it (booleans as Yes/No)."""
    if isinstance(level, bool | np.bool_):
        return "Yes" if level else "No"
    return str(level)


# The text's significance statements (shared/bulletin/text_facts.md, section 5):
# (question, sample, variable, expected significant?, source lines).
BULLETIN_STATEMENTS: list[tuple[int, str, str, bool, str]] = [
    (1, "All", "programme", False, "L306-308"),
    (2, "All", "programme", False, "L425-428"),
    (3, "All", "programme", True, "L504-505"),
    (4, "All", "programme", True, "L606-608"),
    (5, "All", "programme", True, "L695-697"),
    (6, "All", "programme", True, "L792-795"),
    (7, "All", "programme", False, "L890-896"),
    (3, "CRC", "programme", True, "L509-512"),
    (4, "CRC", "programme", True, "L612-615"),
    (5, "CRC", "programme", True, "L700-703"),
    (6, "CRC", "programme", True, "L798-801"),
    (3, "NPS", "programme", False, "L509-512, L977-980"),
    (4, "NPS", "programme", False, "L612-615, L977-980"),
    (5, "NPS", "programme", False, "L700-703, L977-980"),
    (6, "NPS", "programme", True, "L798-801"),
    (1, "All", "rosh_level", True, "L308-309"),
    (2, "All", "rosh_level", True, "L425-428"),
    (5, "All", "mappa_eligible", True, "L697-698"),
    (3, "All", "mappa_eligible", True, "L506-507"),
    (3, "All", "rosh_level", True, "L506-507"),
    (4, "All", "mappa_eligible", True, "L608-610"),
    (4, "All", "rosh_level", True, "L608-610"),
    (6, "All", "mappa_eligible", True, "L795-796"),
    (6, "All", "rosh_level", True, "L795-796"),
    (7, "All", "mappa_eligible", True, "L890-896"),
    (7, "All", "rosh_level", True, "L890-896"),
    (7, "All", "domestic_abuse_perpetrator", True, "L890-896"),
    (7, "All", "child_protection_case", True, "L890-896"),
]


@dataclass
class ModelRun:
    question: int
    sample: str
    n_before_deletion: int
    dropped: dict[str, int]  # cases missing each candidate (a case may miss several)
    blocks: dict[str, Block]
    dropped_candidates: list[str]  # candidates with fewer than two levels in the sample
    y: np.ndarray  # outcome per covariate pattern
    weights: np.ndarray  # cases per pattern
    stepwise: StepwiseResult
    full: Fit
    programme_forced: Fit | None


def read_cases(db: Path) -> pd.DataFrame:
    """Cases answered Yes or No, counted per question, agency, covariate pattern and outcome.

    Every candidate is categorical, so DuckDB groups identical patterns and the
    frame holds one row per pattern with its number of cases (``cases``): the
    same likelihood as one row per case, and memory that does not grow with n.
    """
    columns = ", ".join(f"dim_case.{c}" for c in CANDIDATES)
    sql = f"""
        select
            fct_case_judgement.question_id,
            fct_case_judgement.is_sufficient,
            dim_case.responsible_agency,
            {columns},
            count(*) as cases
        from marts.fct_case_judgement
        inner join marts.dim_case on fct_case_judgement.case_key = dim_case.case_key
        where fct_case_judgement.is_sufficient is not null
        group by all
        order by all
    """
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def fit_question(frame: pd.DataFrame, question: int, sample: str, removal: str) -> ModelRun:
    data = frame[frame["question_id"] == question]
    if sample != "All":
        data = data[data["responsible_agency"] == sample]
    before = int(data["cases"].sum())
    # Listwise deletion over the whole candidate list, once, before stepping (as SPSS).
    missing = data[list(CANDIDATES)].isna()
    dropped = {c: int(data.loc[missing[c], "cases"].sum()) for c in CANDIDATES if missing[c].any()}
    grouped = data[~missing.any(axis=1)].reset_index(drop=True)
    y = grouped["is_sufficient"].astype(float).to_numpy()
    weights = grouped["cases"].to_numpy(dtype=float)
    blocks: dict[str, Block] = {}
    dropped_candidates = []
    for name, levels in CANDIDATES.items():
        block = categorical_block(name, grouped[name].tolist(), levels, label=level_label)
        if block is None:
            dropped_candidates.append(name)
        else:
            blocks[name] = block
    result = forward_stepwise(y, blocks, removal=removal, weights=weights)
    full = fit_logit(y, blocks, tuple(blocks), weights)
    forced = None
    if "programme" in blocks:
        variables = result.selected
        if "programme" not in variables:
            variables = ("programme", *variables)
        forced = fit_logit(y, blocks, variables, weights)
    return ModelRun(
        question,
        sample,
        before,
        dropped,
        blocks,
        dropped_candidates,
        y,
        weights,
        result,
        full,
        forced,
    )


def _programme_p(run: ModelRun, fit: Fit | None) -> float | None:
    """LR p-value of programme in a model that contains it."""
    if fit is None or "programme" not in fit.variables:
        return None
    reduced = fit_logit(
        run.y, run.blocks, tuple(v for v in fit.variables if v != "programme"), run.weights
    )
    statistic = max(2.0 * (fit.llf - reduced.llf), 0.0)
    return float(stats.chi2.sf(statistic, run.blocks["programme"].columns.shape[1]))


def _terms(run: ModelRun, fit: Fit, kind: str) -> list[dict]:
    params = np.asarray(fit.result.params)
    errors = np.asarray(fit.result.bse)
    pvalues = np.asarray(fit.result.pvalues)
    rows = [
        {
            "model_kind": kind,
            "variable": "(constant)",
            "level": None,
            "reference_level": None,
            "coefficient": float(params[0]),
            "odds_ratio": float(np.exp(params[0])),
            "ci_low": float(np.exp(params[0] - 1.959964 * errors[0])),
            "ci_high": float(np.exp(params[0] + 1.959964 * errors[0])),
            "p_value": float(pvalues[0]),
            "step_entered": None,
        }
    ]
    position = 1
    for variable in fit.variables:
        block = run.blocks[variable]
        for label in block.labels:
            b, se = float(params[position]), float(errors[position])
            rows.append(
                {
                    "model_kind": kind,
                    "variable": variable,
                    "level": label,
                    "reference_level": block.reference,
                    "coefficient": b,
                    "odds_ratio": float(np.exp(b)) if b < 700 else float("inf"),
                    "ci_low": float(np.exp(b - 1.959964 * se)) if np.isfinite(se) else None,
                    "ci_high": float(np.exp(min(b + 1.959964 * se, 700)))
                    if np.isfinite(se)
                    else None,
                    "p_value": float(pvalues[position]),
                    "step_entered": run.stepwise.entered_at.get(variable)
                    if kind == "stepwise"
                    else None,
                }
            )
            position += 1
    return rows


def _pseudo_r2(fit: Fit, null: Fit, n: int) -> tuple[float, float]:
    mcfadden = 1.0 - fit.llf / null.llf if null.llf else 0.0
    cox_snell = 1.0 - np.exp(2.0 * (null.llf - fit.llf) / n)
    nagelkerke = cox_snell / (1.0 - np.exp(2.0 * null.llf / n))
    return float(mcfadden), float(nagelkerke)


def tables(runs: list[ModelRun], removal: str) -> dict[str, pd.DataFrame]:
    models, terms, steps = [], [], []
    for run in runs:
        model_id = f"q{run.question}_{run.sample.lower()}"
        n = int(run.weights.sum())
        final = run.stepwise.final
        mcfadden, nagelkerke = _pseudo_r2(final, run.stepwise.null, n)
        separation = sorted(
            {
                note
                for fit in (final, run.full, run.programme_forced)
                if fit
                for note in fit.separation
            }
        )
        models.append(
            {
                "model_id": model_id,
                "question_id": run.question,
                "sample": run.sample,
                "n": n,
                "events": int((run.y * run.weights).sum()),
                "covariate_patterns": len(run.y),
                "n_before_listwise_deletion": run.n_before_deletion,
                "n_dropped_listwise": run.n_before_deletion - n,
                "missing_by_variable": json.dumps(run.dropped, sort_keys=True),
                "method": f"FSTEP({removal.upper()}) PIN(.05) POUT(.10)",
                "removal_test": removal,
                "variables_selected": ", ".join(run.stepwise.selected),
                "candidates_dropped": ", ".join(run.dropped_candidates),
                "log_likelihood": final.llf,
                "null_log_likelihood": run.stepwise.null.llf,
                "mcfadden_r2": mcfadden,
                "nagelkerke_r2": nagelkerke,
                "aic": float(final.result.aic),
                "programme_selected": "programme" in run.stepwise.selected,
                "programme_p_value": _programme_p(run, run.programme_forced),
                "programme_p_value_full_model": _programme_p(run, run.full),
                "stopped_because": run.stepwise.stopped_because,
                "separation_warnings": "; ".join(separation) or None,
            }
        )
        for kind, fit in (
            ("stepwise", final),
            ("full", run.full),
            ("programme_forced", run.programme_forced),
        ):
            if fit is not None:
                terms += [{"model_id": model_id, **row} for row in _terms(run, fit, kind)]
        steps += [
            {
                "model_id": model_id,
                "step": s.step,
                "action": s.action,
                "variable": s.variable,
                "test": s.test,
                "statistic": s.statistic,
                "df": s.df,
                "p_value": s.p_value,
            }
            for s in run.stepwise.steps
        ]
    model_frame = pd.DataFrame(models)
    selected = {
        (row.question_id, row.sample): set(filter(None, row.variables_selected.split(", ")))
        for row in model_frame.itertuples()
    }
    comparison = [
        {
            "question_id": q,
            "sample": sample,
            "variable": variable,
            "bulletin_significant": expected,
            "warehouse_selected": variable in selected[(q, sample)],
            "agrees": (variable in selected[(q, sample)]) == expected,
            "source_lines": lines,
        }
        for q, sample, variable, expected, lines in BULLETIN_STATEMENTS
    ]
    return {
        "regression_models": model_frame,
        "regression_terms": pd.DataFrame(terms),
        "regression_steps": pd.DataFrame(steps),
        "regression_vs_bulletin": pd.DataFrame(comparison),
    }


def run_regressions(db: Path, removal: str = "lr") -> dict[str, pd.DataFrame]:
    frame = read_cases(db)
    runs = [fit_question(frame, q, sample, removal) for q in QUESTIONS for sample in SAMPLES]
    return tables(runs, removal)


def store(db: Path, results: dict[str, pd.DataFrame]) -> None:
    """Replace the ``analysis`` tables in one transaction."""
    with duckdb.connect(str(db)) as con:
        con.begin()
        con.execute("create schema if not exists analysis")
        for name, frame in results.items():
            con.register("incoming", frame)
            con.execute(f"create or replace table analysis.{name} as select * from incoming")
            con.unregister("incoming")
        con.commit()
