"""The last calibration step: the bulletin's significance statements, with room to spare.

The bulletin says, for 28 (question, sample, variable) triples, whether its forward
stepwise regressions found the variable significant. Those statements are not
counts, so the Yes/No program of ``calibrate`` does not see them. But the tables
leave the demo a freedom the regressions do see: the models use only the cases
complete on every candidate variable (listwise deletion), while the tables count
every answered case, and the bulletin prints no regression n. Moving a Yes from a
complete case to an incomplete one of the same published cell (and a No back)
changes the models and no published figure.

The method, per question whose statements do not all hold with room to spare
(significant at p below .01, not significant at p above .10):

1. Fit the question's models (All, CRC, NPS) on the plan with the project's own
   stepwise (``regression.models.fit_model``), exactly as ``regress`` fits them on
   the warehouse.
2. For each statement, linearise the test behind it in the answers: the score
   statistic of the variable against the final model without it, U = R'(y - p),
   where R is the variable's design residualised on that model (weighted by
   p(1 - p)), so a refit of the model is accounted for to first order, and its
   variance V = R'WR is held fixed. "Not significant" becomes |z| <= sqrt(c / k)
   for each whitened component z of U (so U'V^-1 U <= c); "significant" becomes
   g'U >= sqrt(c g'Vg) along the current direction g = V^-1 U (so U'V^-1 U >= c).
3. Solve the question's Yes/No program again, every published constraint kept,
   with these rows added and the fewest answers changed from the first solution
   as the objective.
4. Refit exactly and check. Repeat from the new answers (a few rounds at most); if
   the program has no solution, relax the targets a step and try again.

Nothing here is random: the same plan gives the same changes, so ``calibrate``
still rebuilds the committed plan byte for byte.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from public_protection.demo.calibrate import PlannedCase, Published, answer_program
from public_protection.demo.milp import Infeasible
from public_protection.demo.targets import PROGRAMMES, seeds_dir
from public_protection.regression.models import (
    CANDIDATES,
    CLEAR_NOT_SIGNIFICANT,
    CLEAR_SIGNIFICANT,
    ModelRun,
    ModelSpec,
    clear_margin,
    fit_model,
    reference_area_first,
    statement_test,
)
from public_protection.regression.stepwise import design, fit_logit

# Targets the linearised statistic is solved for, tightest first: beyond the margins
# the report checks (.01 and .10), since the linearisation is only first order; then
# the margins themselves; then bare agreement (selection enters below .05).
TARGETS = ((0.005, 0.15), (CLEAR_SIGNIFICANT, CLEAR_NOT_SIGNIFICANT), (0.04, 0.06))
ROUNDS = 4  # re-linearisations per target before relaxing it


@dataclass(frozen=True)
class Statement:
    question: int
    sample: str
    variable: str
    significant: bool


@dataclass
class StatementResult:
    statement: Statement
    selected: bool
    test: str | None
    statistic: float | None
    p_value: float | None

    @property
    def agrees(self) -> bool:
        return self.selected == self.statement.significant

    @property
    def clear(self) -> bool:
        return self.agrees and clear_margin(self.statement.significant, self.p_value)


def read_statements() -> list[Statement]:
    """The bulletin's statements (seed ``published_significance``)."""
    with (seeds_dir() / "published_significance.csv").open(newline="", encoding="utf-8") as f:
        return [
            Statement(
                int(row["question_id"]),
                row["sample"],
                row["variable"],
                row["is_significant"] == "true",
            )
            for row in csv.DictReader(f)
        ]


def _flag(text: str | None) -> bool | None:
    return None if text is None else text == "Yes"


def regression_frame(cases: list[PlannedCase], question: int) -> pd.DataFrame:
    """The plan's answered cases of a question as ``read_cases`` reads the warehouse:
    one row per case (``cases`` = 1), in plan order, with a ``case_index`` column."""
    rows = []
    for index, case in enumerate(cases):
        answer = case.answers[question - 1]
        if not answer:
            continue
        rows.append(
            {
                "question_id": question,
                "is_sufficient": answer == "Yes",
                "responsible_agency": case.agency,
                "is_matched_area": True,  # the bulletin's programmes sample the 12 areas
                "programme": case.programme,
                "gender": case.gender,
                "age_group": case.age_group,
                "ethnic_group": case.ethnic_group,
                "supervision_type": case.supervision_type,
                "rosh_level": case.rosh_level,
                "mappa_eligible": _flag(case.mappa_eligible),
                "area": case.area,
                "offence_category": case.offence_category or None,
                "domestic_abuse_perpetrator": case.domestic_abuse_perpetrator,
                "iom_case": case.iom_case,
                "child_protection_case": case.child_protection_case,
                "cases": 1,
                "case_index": index,
            }
        )
    frame = pd.DataFrame(rows)
    assert list(frame.columns[4:-2]) == list(CANDIDATES)
    return frame


@dataclass
class FittedQuestion:
    runs: dict[str, ModelRun]  # by sample
    rows: dict[str, list[int]]  # by sample: the case index of each row of run.y


def fit_question(cases: list[PlannedCase], question: int, samples: set[str]) -> FittedQuestion:
    frame = regression_frame(cases, question)
    areas = reference_area_first(Counter(case.area for case in cases))
    runs, rows = {}, {}
    for sample in sorted(samples):
        spec = ModelSpec("bulletin", question, sample, PROGRAMMES)
        runs[sample] = fit_model(frame, spec, "lr", areas)
        # the rows fit_model keeps, in its order: the sample's complete cases
        data = frame if sample == "All" else frame[frame["responsible_agency"] == sample]
        complete = ~data[list(CANDIDATES)].isna().any(axis=1)
        rows[sample] = data.loc[complete, "case_index"].tolist()
        assert len(rows[sample]) == len(runs[sample].y)
    return FittedQuestion(runs, rows)


def evaluate(fitted: FittedQuestion, statements: list[Statement]) -> list[StatementResult]:
    results = []
    for statement in statements:
        run = fitted.runs[statement.sample]
        tested = statement_test(run, statement.variable)
        test, statistic, _, p_value = tested if tested else (None, None, None, None)
        selected = statement.variable in run.stepwise.selected
        results.append(StatementResult(statement, selected, test, statistic, p_value))
    return results


def _linear_score(run: ModelRun, variable: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R, p and V of the score test of ``variable`` against the final model without it."""
    base = tuple(v for v in run.stepwise.final.variables if v != variable)
    fit = fit_logit(run.y, run.blocks, base, run.weights)
    p = np.asarray(fit.result.fittedvalues, dtype=float)
    w = p * (1 - p) * run.weights
    x = design(run.blocks, base, len(run.y))
    e = run.blocks[variable].columns
    information = x.T @ (x * w[:, None])
    cross = x.T @ (e * w[:, None])
    residual = e - x @ np.linalg.solve(information, cross)
    variance = residual.T @ (residual * w[:, None])
    return residual, p, variance


def _constrain(ip, yes, rows, residual, p, variance, significant, target_p, current_y) -> None:
    """Rows of the program that hold the linearised statistic beyond ``target_p``."""
    k = residual.shape[1]
    chi2 = float(stats.chi2.isf(target_p, k))
    constant_shift = residual.T @ p  # U = R'y - R'p

    def row(coefficients: np.ndarray, lo: float, hi: float) -> None:
        terms: dict[int, float] = {}
        for case_index, c in zip(rows, coefficients, strict=True):
            terms[yes[case_index]] = terms.get(yes[case_index], 0.0) + float(c)
        ip.constrain(terms, lo, hi, "significance")

    if significant:
        current = residual.T @ (current_y - p)
        direction = np.linalg.solve(variance, current)
        if not np.any(direction):
            direction = np.ones(k)
        bound = float(np.sqrt(chi2 * direction @ variance @ direction))
        row(residual @ direction, bound + float(direction @ constant_shift), np.inf)
    else:
        # whiten: V^-1 = L L', z = L'U; |z_j| <= sqrt(c / k) for each j
        whitening = np.linalg.cholesky(np.linalg.inv(variance))
        bound = float(np.sqrt(chi2 / k))
        for j in range(k):
            coefficients = residual @ whitening[:, j]
            shift = float(whitening[:, j] @ constant_shift)
            row(coefficients, shift - bound, shift + bound)


@dataclass
class QuestionChange:
    question: int
    changed: int  # answers changed from the first solution
    rounds: int
    targets: tuple[float, float]


def agree(
    cases: list[PlannedCase],
    published: Published,
    levels: dict[tuple[int, str, str], int],
    statements: list[Statement] | None = None,
) -> list[QuestionChange]:
    """Change the fewest answers so that every statement holds with room to spare.

    Returns what changed, per question whose statements did not already hold so.
    """
    statements = statements if statements is not None else read_statements()
    changes = []
    for question in sorted({s.question for s in statements}):
        mine = [s for s in statements if s.question == question]
        change = _agree_question(cases, published, levels, question, mine)
        if change is not None:
            changes.append(change)
    return changes


def _set_answers(cases: list[PlannedCase], question: int, chosen: dict[int, bool]) -> None:
    for i, is_yes in chosen.items():
        given = list(cases[i].answers)
        given[question - 1] = "Yes" if is_yes else "No"
        cases[i].answers = tuple(given)


def _agree_question(cases, published, levels, question, mine) -> QuestionChange | None:
    """Solve ``question``'s answers again until its statements hold with room to spare:
    up to ``ROUNDS`` re-linearisations per target, relaxing the target when they are
    spent or the program has no solution. None if they hold as the answers are."""
    samples = {s.sample for s in mine}
    first = {
        i: c.answers[question - 1] == "Yes" for i, c in enumerate(cases) if c.answers[question - 1]
    }
    rounds = 0

    def change(targets: tuple[float, float]) -> QuestionChange | None:
        if rounds == 0:
            return None
        changed = sum((cases[i].answers[question - 1] == "Yes") != was for i, was in first.items())
        return QuestionChange(question, changed, rounds, targets)

    for targets in TARGETS:
        significant_p, not_significant_p = targets
        for _ in range(ROUNDS):
            fitted = fit_question(cases, question, samples)
            if all(r.clear for r in evaluate(fitted, mine)):
                return change(targets)
            rounds += 1
            ip, yes = answer_program(question, cases, published, levels)
            for i, variable in yes.items():
                # the fewest changes from the first solution: flipping costs 1
                ip.cost[variable] = -1.0 if first[i] else 1.0
            for statement in mine:
                run = fitted.runs[statement.sample]
                if statement.variable not in run.blocks:
                    continue
                residual, p, variance = _linear_score(run, statement.variable)
                rows = fitted.rows[statement.sample]
                current = np.array([cases[i].answers[question - 1] == "Yes" for i in rows], float)
                target = significant_p if statement.significant else not_significant_p
                _constrain(
                    ip, yes, rows, residual, p, variance, statement.significant, target, current
                )
            try:
                solution = ip.solve(what=f"answers to Q{question} with its statements")
            except Infeasible:
                break  # relax the targets
            _set_answers(cases, question, {i: bool(solution[v]) for i, v in yes.items()})
    return change(TARGETS[-1])


def statement_results(
    cases: list[PlannedCase], statements: list[Statement] | None = None
) -> list[StatementResult]:
    """Every statement against the plan's models, in the seed's order."""
    statements = statements if statements is not None else read_statements()
    results: dict[Statement, StatementResult] = {}
    for question in sorted({s.question for s in statements}):
        mine = [s for s in statements if s.question == question]
        fitted = fit_question(cases, question, {s.sample for s in mine})
        results.update({r.statement: r for r in evaluate(fitted, mine)})
    return [results[s] for s in statements]
