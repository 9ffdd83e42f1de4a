"""Forward stepwise logistic regressions on the warehouse.

Three sets of models, told apart by ``model_set``, each fitted only where the
programmes it needs have cases in the warehouse (``marts.dim_case``):

- ``bulletin``: each of the bulletin's questions x All, CRC, NPS over its
  programmes (21 models), when every one of them is loaded;
- ``trend``: each question over every loaded programme that collects it, when
  that is two or more and differs from the bulletin's model (with PI18, every
  question it collects, and question 8);
- ``programme``: when a single programme is loaded, each question it collects
  over its own cases, on case characteristics alone (no programme to compare).

Which questions and programmes these are is reference data in the marts
(``dim_question``, ``dim_programme``, ``dim_question_source``).

The bulletin's and the trend's models are fitted on the cases of the 12 matched
areas: the one scope every programme covers, so that programmes are compared
like for like (a programme with a national sample adds areas no other programme
has, where programme and area could not be told apart). A single programme's
models use its whole sample (national where its sample covers every area).

A model that cannot be fitted (no case, every case with the same judgement, a
singular information matrix) is stored with the reason and ``is_reliable``
false, never raised; every warning raised while fitting is kept with its model.

Reads ``marts`` read-only, fits with ``stepwise``, writes ``analysis``:
``regression_models``, ``regression_terms``, ``regression_steps`` and
``regression_vs_bulletin`` (each significance statement of the text, seed
``published_significance``, beside what the warehouse's models find).
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from public_protection.catalog import comment_statements, table_spec
from public_protection.categories import AGE_GROUPS, OFFENCE_CATEGORIES
from public_protection.regression.stepwise import (
    Block,
    Fit,
    StepwiseResult,
    categorical_block,
    fit_logit,
    forward_stepwise,
    removal_test,
    score_test,
)

SAMPLES = ("All", "CRC", "NPS")

# A model is flagged as not reliable below this many events per parameter:
# the smaller of the Yes and No counts over the parameters of the largest model
# reported (stepwise, or with programme forced in). Peduzzi et al. (1996), "A
# simulation study of the number of events per variable in logistic regression
# analysis", J Clin Epidemiol 49(12): below 10, coefficients are biased and
# their intervals and significance tests are not to be trusted.
MIN_EVENTS_PER_PARAMETER = 10

# Candidate variables and their levels, reference first (as the bulletin's tables
# order them). Booleans enter as No (reference) / Yes.
CANDIDATES: dict[str, list] = {
    "programme": [],  # each model's programmes, in dim_programme's order (ModelSpec)
    "gender": ["Male", "Female"],
    "age_group": list(AGE_GROUPS),
    "ethnic_group": ["White", "Black, Asian & Minority Ethnic"],
    "supervision_type": ["Community sentence", "Post-custody"],
    "rosh_level": ["Low", "Medium", "High/Very high"],
    "mappa_eligible": [False, True],
    # the areas in the data, the largest (most cases) first as the reference (London
    # in the bulletin's sample): area_levels()
    "area": [],
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


@dataclass(frozen=True)
class ModelSpec:
    """One model to fit: a question, a sample, and the programmes whose cases it uses."""

    model_set: str  # "bulletin", "trend" or "programme"
    question: int
    sample: str  # All, CRC or NPS
    programmes: tuple[str, ...]  # in dim_programme's order; the first is the reference
    scope: str = "matched areas"  # or "national": a single programme's whole sample

    @property
    def model_id(self) -> str:
        """``q1_all`` (bulletin), ``trend_q1_all``, ``pi18_q1_all`` (one programme's)."""
        model_id = f"q{self.question}_{self.sample.lower()}"
        if self.model_set == "bulletin":
            return model_id
        if self.model_set == "trend":
            return f"trend_{model_id}"
        return f"{re.sub(r'[^a-z0-9]+', '', self.programmes[0].lower())}_{model_id}"


def model_specs(con: duckdb.DuckDBPyConnection) -> list[ModelSpec]:
    """The models the marts' reference data asks for, over the programmes loaded
    (module docstring)."""
    programmes = con.execute(
        "select programme, in_bulletin, national_sample, "
        "programme in (select programme from marts.dim_case) as is_loaded "
        "from marts.dim_programme order by sort_order"
    ).fetchall()
    questions = con.execute(
        "select question_id, is_in_bulletin from marts.dim_question order by question_id"
    ).fetchall()
    collected = set(
        con.execute("select question_id, programme from marts.dim_question_source").fetchall()
    )
    bulletin = tuple(p for p, in_bulletin, _, _ in programmes if in_bulletin)
    loaded = [(p, national) for p, _, national, is_loaded in programmes if is_loaded]
    has_bulletin = bool(bulletin) and all(p in dict(loaded) for p in bulletin)
    specs = []
    for question, in_bulletin in questions:
        if in_bulletin and has_bulletin:
            specs += [ModelSpec("bulletin", question, s, bulletin) for s in SAMPLES]
    for question, in_bulletin in questions:
        collecting = tuple(p for p, _ in loaded if (question, p) in collected)
        # a trend needs two programmes; one the bulletin's model already covers is not refitted
        if len(collecting) < 2 or (in_bulletin and has_bulletin and collecting == bulletin):
            continue
        specs += [ModelSpec("trend", question, s, collecting) for s in SAMPLES]
    if len(loaded) == 1:
        ((programme, national),) = loaded
        scope = "national" if national else "matched areas"
        for question, _ in questions:
            if (question, programme) in collected:
                specs += [ModelSpec("programme", question, s, (programme,), scope) for s in SAMPLES]
    return specs


def read_statements(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, bool, str]]:
    """The bulletin's significance statements (seed ``published_significance``)."""
    return con.execute(
        "select question_id, sample, variable, is_significant, passage "
        "from seeds.published_significance order by question_id, sample, variable"
    ).fetchall()


@dataclass
class ModelRun:
    spec: ModelSpec
    n_before_deletion: int
    dropped: dict[str, int]  # cases missing each candidate (a case may miss several)
    blocks: dict[str, Block]
    dropped_candidates: list[str]  # candidates with fewer than two levels in the sample
    y: np.ndarray  # outcome per covariate pattern
    weights: np.ndarray  # cases per pattern
    stepwise: StepwiseResult | None  # None when the model could not be fitted
    full: Fit | None
    programme_forced: Fit | None
    warnings: list[str] = field(default_factory=list)  # raised while fitting, kept
    failure: str | None = None  # why the model could not be fitted

    @property
    def n(self) -> int:
        return int(self.weights.sum())

    @property
    def events(self) -> int:
        return int((self.y * self.weights).sum())

    @property
    def fits(self) -> dict[str, Fit]:
        """The fitted models by kind (``regression_terms.model_kind``); none if not fitted."""
        fitted = {
            "stepwise": self.stepwise.final if self.stepwise else None,
            "full": self.full,
            "programme_forced": self.programme_forced,
        }
        return {kind: fit for kind, fit in fitted.items() if fit is not None}


def read_cases(con: duckdb.DuckDBPyConnection, national: bool = False) -> pd.DataFrame:
    """Cases answered Yes or No, counted per question, agency, covariate pattern and
    outcome: those of the matched areas, or every case when ``national``.

    Every candidate is categorical, so DuckDB groups identical patterns and the
    frame holds one row per pattern with its number of cases (``cases``): the
    same likelihood as one row per case, and memory that does not grow with n.
    """
    columns = ", ".join(f"dim_case.{c}" for c in CANDIDATES)
    where = "" if national else "and dim_case.is_matched_area"
    sql = f"""
        select
            fct_case_judgement.question_id,
            fct_case_judgement.is_sufficient,
            dim_case.responsible_agency,
            dim_case.is_matched_area,
            {columns},
            count(*) as cases
        from marts.fct_case_judgement
        inner join marts.dim_case on fct_case_judgement.case_key = dim_case.case_key
        where fct_case_judgement.is_sufficient is not null {where}
        group by all
        order by all
    """
    return con.execute(sql).df()


def area_levels(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every matched area of the sample, as ``reference_area_first`` orders them."""
    counts = con.execute(
        "select area, count(*) from marts.dim_case where is_matched_area group by area"
    ).fetchall()
    return reference_area_first(dict(counts))


def reference_area_first(cases_per_area: dict[str, int]) -> list[str]:
    """The area with most cases first (the reference; ties by name), then the others by
    name."""
    if not cases_per_area:
        return []
    reference = min(cases_per_area, key=lambda area: (-cases_per_area[area], area))
    return [reference, *sorted(a for a in cases_per_area if a != reference)]


def fit_model(frame: pd.DataFrame, spec: ModelSpec, removal: str, areas: list[str]) -> ModelRun:
    """Fit one model, keeping every warning with the model instead of printing it."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        run = _fit_model(frame, spec, removal, areas)
    run.warnings += [f"{w.category.__name__}: {w.message}" for w in caught]
    for fit in run.fits.values():
        run.warnings += fit.warnings
    return run


def model_data(frame: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """The covariate patterns of one model's cases: its question, programmes, sample, scope."""
    data = frame[(frame["question_id"] == spec.question) & frame["programme"].isin(spec.programmes)]
    if spec.scope == "matched areas":
        data = data[data["is_matched_area"]]
    if spec.sample != "All":
        data = data[data["responsible_agency"] == spec.sample]
    return data


def _fit_model(frame: pd.DataFrame, spec: ModelSpec, removal: str, areas: list[str]) -> ModelRun:
    data = model_data(frame, spec)
    if spec.scope == "national":
        # every area of the sample, the largest the reference (matched areas: ``areas``)
        areas = reference_area_first(data.groupby("area")["cases"].sum().to_dict())
    before = int(data["cases"].sum())
    # Listwise deletion over the whole candidate list, once, before stepping (as SPSS).
    missing = data[list(CANDIDATES)].isna()
    dropped = {c: int(data.loc[missing[c], "cases"].sum()) for c in CANDIDATES if missing[c].any()}
    grouped = data[~missing.any(axis=1)].reset_index(drop=True)
    y = grouped["is_sufficient"].astype(float).to_numpy()
    weights = grouped["cases"].to_numpy(dtype=float)
    blocks: dict[str, Block] = {}
    dropped_candidates = []
    levels_of = {**CANDIDATES, "programme": list(spec.programmes), "area": areas}
    for name, levels in levels_of.items():
        block = categorical_block(name, grouped[name].tolist(), levels, label=level_label)
        if block is None:
            dropped_candidates.append(name)
        else:
            blocks[name] = block
    run = ModelRun(spec, before, dropped, blocks, dropped_candidates, y, weights, None, None, None)
    events = run.events
    if run.n == 0:
        run.failure = "not fitted: no case in the sample after listwise deletion"
    elif events in (0, run.n):
        run.failure = "not fitted: every case has the same judgement"
    if run.failure:
        return run
    try:
        run.stepwise = forward_stepwise(y, blocks, removal=removal, weights=weights)
        run.full = fit_logit(y, blocks, tuple(blocks), weights)
        if "programme" in blocks:
            variables = run.stepwise.selected
            if "programme" not in variables:
                variables = ("programme", *variables)
            run.programme_forced = fit_logit(y, blocks, variables, weights)
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as error:
        # e.g. a singular information matrix on a tiny or degenerate sample
        run.stepwise = run.full = run.programme_forced = None
        run.failure = f"not fitted: {type(error).__name__}: {error}"
    return run


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
            "odds_ratio": float(np.exp(min(params[0], 700))),
            "ci_low": float(np.exp(min(params[0] - 1.959964 * errors[0], 700))),
            "ci_high": float(np.exp(min(params[0] + 1.959964 * errors[0], 700))),
            "p_value": float(pvalues[0]),
            "step_entered": None,
            "cases_at_level": None,
        }
    ]
    position = 1
    for variable in fit.variables:
        block = run.blocks[variable]
        for index, label in enumerate(block.labels):
            b, se = float(params[position]), float(errors[position])
            # Cases at this level in the model's sample: the report names a
            # separated level only when this is at least its minimum cell size.
            at_level = int(run.weights[block.columns[:, index] == 1].sum())
            rows.append(
                {
                    "model_kind": kind,
                    "variable": variable,
                    "level": label,
                    "reference_level": block.reference,
                    "coefficient": b,
                    "odds_ratio": float(np.exp(b)) if b < 700 else float("inf"),
                    "ci_low": float(np.exp(min(b - 1.959964 * se, 700)))
                    if np.isfinite(se)
                    else None,
                    "ci_high": float(np.exp(min(b + 1.959964 * se, 700)))
                    if np.isfinite(se)
                    else None,
                    "p_value": float(pvalues[position]),
                    "step_entered": run.stepwise.entered_at.get(variable)
                    if kind == "stepwise"
                    else None,
                    "cases_at_level": at_level,
                }
            )
            position += 1
    return rows


def _pseudo_r2(fit: Fit, null: Fit, n: int) -> tuple[float, float]:
    mcfadden = 1.0 - fit.llf / null.llf if null.llf else 0.0
    cox_snell = 1.0 - np.exp(2.0 * (null.llf - fit.llf) / n)
    nagelkerke = cox_snell / (1.0 - np.exp(2.0 * null.llf / n))
    return float(mcfadden), float(nagelkerke)


def reliability(run: ModelRun, events: int, n: int) -> tuple[float, str | None]:
    """Events per parameter, and why the model is not reliable (None when it is).

    Not reliable: fewer than ``MIN_EVENTS_PER_PARAMETER`` events per parameter,
    or a selected variable none of whose levels can be estimated (separation).
    """
    fits = [f for f in (run.stepwise.final, run.programme_forced) if f is not None]
    # At least the constant: a model that selected nothing still estimates one.
    parameters = max(1, *(sum(run.blocks[v].columns.shape[1] for v in f.variables) for f in fits))
    smaller = min(events, n - events)
    per_parameter = smaller / parameters
    reasons = []
    if smaller == 0:
        reasons.append("every case has the same judgement")
    elif per_parameter < MIN_EVENTS_PER_PARAMETER:
        reasons.append(
            f"{per_parameter:.1f} events per parameter (fewer than {MIN_EVENTS_PER_PARAMETER})"
        )
    notes = run.stepwise.final.separation
    for variable in run.stepwise.selected:
        hit = sum(1 for note in notes if note.startswith(f"{variable}="))
        if hit >= len(run.blocks[variable].labels):
            reasons.append(f"no level of {variable} can be estimated (separation)")
    return per_parameter, "; ".join(reasons) or None


def listwise_note(run: ModelRun, n: int) -> str | None:
    """How many cases listwise deletion removed, and which variables were missing."""
    removed = run.n_before_deletion - n
    if not removed:
        return None
    missing = ", ".join(f"{variable} {count:,}" for variable, count in sorted(run.dropped.items()))
    return (
        f"{removed:,} of {run.n_before_deletion:,} cases "
        f"({removed / run.n_before_deletion:.0%}) left out for a missing value ({missing})"
    )


# A statement's p-value with room to spare: a variable said to be significant at p
# below .01, one said not to be at p above .10 (selection itself uses .05 and .10).
CLEAR_SIGNIFICANT = 0.01
CLEAR_NOT_SIGNIFICANT = 0.10


def statement_test(run: ModelRun, variable: str) -> tuple[str, float, int, float] | None:
    """The test behind "is ``variable`` significant" in a fitted model.

    A selected variable: the likelihood-ratio test of removing it from the final
    model (the test that kept it). One not selected: the score test of adding it to
    the final model (the test it failed to pass). None if the variable could not be
    a candidate (fewer than two levels in the sample).
    """
    final = run.stepwise.final
    if variable in final.variables:
        return ("lr", *removal_test(run.y, run.blocks, final, variable, "lr", run.weights))
    if variable not in run.blocks:
        return None
    return ("score", *score_test(final, run.blocks[variable]))


def clear_margin(significant: bool, p_value: float | None) -> bool:
    """Whether a statement holds with room to spare (see ``CLEAR_SIGNIFICANT``)."""
    if p_value is None:
        return False
    return p_value < CLEAR_SIGNIFICANT if significant else p_value > CLEAR_NOT_SIGNIFICANT


def _warning_summary(messages: list[str]) -> str | None:
    counts = Counter(messages)
    return "; ".join(f"{m} (x{c})" if c > 1 else m for m, c in sorted(counts.items())) or None


def _model_row(run: ModelRun, removal: str) -> dict:
    """The model's row of ``regression_models`` (fitting statistics NULL when not fitted)."""
    n, events = run.n, run.events
    row = {
        "model_id": run.spec.model_id,
        "model_set": run.spec.model_set,
        "programmes": ", ".join(run.spec.programmes),
        "question_id": run.spec.question,
        "sample": run.spec.sample,
        "n": n,
        "events": events,
        "covariate_patterns": len(run.y),
        "n_before_listwise_deletion": run.n_before_deletion,
        "n_dropped_listwise": run.n_before_deletion - n,
        "missing_by_variable": json.dumps(run.dropped, sort_keys=True),
        "listwise_note": listwise_note(run, n),
        "method": f"FSTEP({removal.upper()}) PIN(.05) POUT(.10)",
        "removal_test": removal,
        "variables_selected": "",
        "candidates_dropped": ", ".join(run.dropped_candidates),
        "log_likelihood": None,
        "null_log_likelihood": None,
        "mcfadden_r2": None,
        "nagelkerke_r2": None,
        "aic": None,
        "programme_selected": False,
        "programme_p_value": None,
        "programme_p_value_full_model": None,
        "stopped_because": run.failure,
        "separation_warnings": None,
        "events_per_parameter": None,
        "is_reliable": False,
        "reliability_note": run.failure,
    }
    if run.stepwise is None:
        return row
    final = run.stepwise.final
    mcfadden, nagelkerke = _pseudo_r2(final, run.stepwise.null, n)
    separation = sorted({note for fit in run.fits.values() for note in fit.separation})
    per_parameter, unreliable = reliability(run, events, n)
    return row | {
        "variables_selected": ", ".join(run.stepwise.selected),
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
        "events_per_parameter": per_parameter,
        "is_reliable": unreliable is None,
        "reliability_note": unreliable,
    }


def _run_rows(run: ModelRun, removal: str) -> tuple[dict, list[dict], list[dict]]:
    """A model's rows of the three tables; warnings raised here are kept with it too."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        model = _model_row(run, removal)
        terms = []
        for kind, fit in run.fits.items():
            terms += [{"model_id": model["model_id"], **row} for row in _terms(run, fit, kind)]
    model["fit_warnings"] = _warning_summary(
        run.warnings + [f"{w.category.__name__}: {w.message}" for w in caught]
    )
    steps = [
        {
            "model_id": model["model_id"],
            "step": s.step,
            "action": s.action,
            "variable": s.variable,
            "test": s.test,
            "statistic": s.statistic,
            "df": s.df,
            "p_value": s.p_value,
        }
        for s in (run.stepwise.steps if run.stepwise else [])
    ]
    return model, terms, steps


def _declared(name: str) -> list[str]:
    """A table's declared columns: an empty result still has them."""
    return [column.name for column in table_spec("analysis", name).columns]


def tables(
    runs: list[ModelRun],
    removal: str,
    statements: list[tuple[int, str, str, bool, str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The analysis tables; ``statements`` (bulletin mode only) are compared with the models."""
    models, terms, steps = [], [], []
    for run in runs:
        model, model_terms, model_steps = _run_rows(run, removal)
        models.append(model)
        terms += model_terms
        steps += model_steps
    model_frame = pd.DataFrame(models, columns=_declared("regression_models"))
    bulletin_runs = {
        (run.spec.question, run.spec.sample): run
        for run in runs
        if run.spec.model_set == "bulletin"
    }
    # The bulletin's statements are compared only in bulletin mode; on a user's
    # own extracts the table is there, empty, so queries against it still work.
    comparison = []
    for q, sample, variable, expected, passage in statements or []:
        run = bulletin_runs.get((q, sample))
        if run is None or run.stepwise is None:
            continue  # the bulletin's model is not there to compare (or was not fitted)
        selected = variable in run.stepwise.selected
        with warnings.catch_warnings(record=True), np.errstate(all="ignore"):
            warnings.simplefilter("always")  # kept with the model already; not printed
            tested = statement_test(run, variable)
        test, statistic, df, p_value = tested or (None, None, None, None)
        comparison.append(
            {
                "question_id": q,
                "sample": sample,
                "variable": variable,
                "bulletin_significant": expected,
                "warehouse_selected": selected,
                "agrees": selected == expected,
                "test": test,
                "statistic": statistic,
                "df": df,
                "p_value": p_value,
                "clear_margin": selected == expected and clear_margin(expected, p_value),
                "bulletin_passage": passage,
            }
        )
    comparison_columns = [
        "question_id", "sample", "variable", "bulletin_significant",
        "warehouse_selected", "agrees", "test", "statistic", "df", "p_value",
        "clear_margin", "bulletin_passage",
    ]  # fmt: skip
    return {
        "regression_models": model_frame,
        "regression_terms": pd.DataFrame(terms, columns=_declared("regression_terms")),
        "regression_steps": pd.DataFrame(steps, columns=_declared("regression_steps")),
        "regression_vs_bulletin": pd.DataFrame(comparison, columns=comparison_columns).astype(
            {
                "question_id": "int64",
                "bulletin_significant": bool,
                "warehouse_selected": bool,
                "agrees": bool,
                "test": object,
                "statistic": float,
                "df": "Int64",
                "p_value": float,
                "clear_margin": bool,
                "sample": object,
                "variable": object,
                "bulletin_passage": object,
            }
        ),
    }


def run_regressions(
    db: Path, removal: str = "lr", compare_with_bulletin: bool = True
) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        specs = model_specs(con)
        frame = read_cases(con, national=any(spec.scope == "national" for spec in specs))
        areas = area_levels(con)
        statements = read_statements(con) if compare_with_bulletin else None
    runs = [fit_model(frame, spec, removal, areas) for spec in specs]
    return tables(runs, removal, statements)


def store(db: Path, results: dict[str, pd.DataFrame]) -> None:
    """Replace the ``analysis`` tables in one transaction."""
    with duckdb.connect(str(db)) as con:
        con.begin()
        con.execute("create schema if not exists analysis")
        for name, frame in results.items():
            spec = table_spec("analysis", name)
            spec.require_columns(list(frame.columns))
            con.register("incoming", frame)
            typed = spec.typed_select("incoming")
            con.execute(f"create or replace table {spec.qualified} as {typed}")
            con.unregister("incoming")
            for statement in comment_statements(spec):
                con.execute(statement)
        con.commit()
