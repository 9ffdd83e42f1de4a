"""Forward stepwise logistic regression, as SPSS ``LOGISTIC REGRESSION /METHOD=FSTEP``.

statsmodels has no stepwise selection; this module is the project's own, small
and independent of the warehouse so it can be tested on its own.

The procedure (SPSS FSTEP with ``/CRITERIA PIN(.05) POUT(.10)``):

1. Start from the constant-only model.
2. Entry: for every candidate not in the model, the score statistic of adding
   its block of columns (a categorical variable enters as all its k-1
   indicators at once) to the current model; the candidate with the smallest
   p-value enters if that p-value is below PIN.
3. Removal: for every variable in the model, a test of dropping its block:
   the likelihood-ratio statistic against the model refitted without it (LR,
   the default), the conditional statistic (LR evaluated at one-step
   conditional estimates, no refit), or the Wald statistic. The variable with
   the largest p-value leaves if that is above POUT; repeat until none does.
4. Stop when nothing enters or leaves, or when a model repeats (a cycle).

References
----------
IBM Corp. *IBM SPSS Statistics Algorithms*, "LOGISTIC REGRESSION Algorithms":
    stepwise variable selection (score statistic for entry; likelihood-ratio,
    conditional and Wald statistics for removal).
Lawless, J. F. and Singhal, K. (1978). Efficient screening of nonnormal regression
    models. *Biometrics*, 34(2), 318-327: the one-step (conditional) estimates
    behind the conditional removal statistic.
Hosmer, D. W., Lemeshow, S. and Sturdivant, R. X. (2013). *Applied Logistic
    Regression*, 3rd ed., Wiley, section 4.3: stepwise selection and its p-value
    criteria (PIN, POUT).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import statsmodels.api as sm
from scipy import stats

REMOVAL_TESTS = ("lr", "conditional", "wald")


@dataclass(frozen=True)
class Block:
    """A candidate variable as the columns it brings into the design."""

    name: str
    columns: np.ndarray  # (n, k) indicators or values
    labels: tuple[str, ...]  # one per column (the level an indicator marks)
    reference: str | None  # reference level of a categorical, None for numeric


@dataclass(frozen=True)
class Step:
    step: int
    action: str  # "enter" or "remove"
    variable: str
    statistic: float
    df: int
    p_value: float
    test: str  # "score", "lr", "conditional" or "wald"


@dataclass
class Fit:
    """A fitted logistic model: which blocks, its statsmodels result, warnings."""

    variables: tuple[str, ...]
    result: object
    separation: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what statsmodels or numpy warned

    @property
    def llf(self) -> float:
        return float(self.result.llf)


@dataclass
class StepwiseResult:
    selected: tuple[str, ...]  # variables in the final model, in order of entry
    steps: list[Step]
    final: Fit
    null: Fit
    entered_at: dict[str, int]
    stopped_because: str


def design(blocks: dict[str, Block], variables: tuple[str, ...], n: int) -> np.ndarray:
    parts = [np.ones((n, 1))]
    parts += [blocks[v].columns for v in variables]
    return np.hstack(parts)


def fit_logit(
    y: np.ndarray,
    blocks: dict[str, Block],
    variables: tuple[str, ...],
    weights: np.ndarray | None = None,
) -> Fit:
    """Fit the logistic model with these blocks; separation is recorded, never raised.

    Parameters
    ----------
    y : ndarray
        The outcome, 1 or 0 per row.
    blocks : dict of str to Block
        Every candidate's columns; only those named in ``variables`` are used.
    variables : tuple of str
        The blocks in the model, in order (a constant is always added first).
    weights : ndarray, optional
        Frequency weights: rows that stand for several identical cases. Grouping
        identical covariate patterns this way gives the same likelihood, estimates
        and test statistics as one row per case, in a fraction of the time.

    Returns
    -------
    Fit
        The statsmodels GLM (binomial, logit link) result, with notes of any
        separation and the warnings the fit raised.
    """
    x = design(blocks, variables, len(y))
    model = sm.GLM(y, x, family=sm.families.Binomial(), freq_weights=weights)
    # Warnings (no convergence, perfect prediction, overflow) are kept with the
    # fit and stored with the model, never printed: separation is reported below.
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        result = model.fit(maxiter=100)
    notes = [f"{w.category.__name__}: {w.message}" for w in caught]
    return Fit(variables, result, separation_notes(y, blocks, variables, result), notes)


def separation_notes(y: np.ndarray, blocks: dict[str, Block], variables, result) -> list[str]:
    """Levels that separate the outcome, and estimates that show it.

    Complete or quasi-complete separation: every case at a level has the same
    outcome (all yes or all no). Near-separation: a coefficient beyond |10| or a
    standard error beyond 50, which no real effect on this scale produces.
    """
    notes = []
    params, errors = np.asarray(result.params), np.asarray(result.bse)
    position = 1
    for variable in variables:
        block = blocks[variable]
        for index, label in enumerate(block.labels):
            column = block.columns[:, index]
            at_level = y[column == 1] if block.reference is not None else np.array([])
            if at_level.size and (at_level.min() == at_level.max()):
                # No count: such groups are often small, and the note is published.
                outcome = "yes" if at_level[0] == 1 else "no"
                notes.append(f"{variable}={label}: every case {outcome}")
            elif (
                abs(params[position]) > 10
                or not np.isfinite(errors[position])
                or (errors[position] > 50)
            ):
                notes.append(
                    f"{variable}={label}: near-separation (coefficient "
                    f"{params[position]:.1f}, standard error {errors[position]:.1f})"
                )
            position += 1
    return notes


def score_test(current: Fit, block: Block) -> tuple[float, int, float]:
    """Score (Lagrange multiplier) statistic for adding ``block`` to ``current``.

    Parameters
    ----------
    current : Fit
        The model as it stands.
    block : Block
        The candidate's columns (all k-1 indicators of a categorical variable).

    Returns
    -------
    statistic : float
        The score statistic, evaluated at ``current``'s estimates (no refit), as
        SPSS's entry test; NaN where the information matrix with the block added is
        singular (its columns are collinear with the model's on this sample), so the
        candidate cannot enter.
    df : int
        The block's number of columns.
    p_value : float
        Upper tail of the chi-squared distribution with ``df`` degrees of freedom.
    """
    with warnings.catch_warnings():
        # statsmodels says the score test is "not verified with freq_weights";
        # test_stepwise checks it equals the one-row-per-case statistic.
        warnings.filterwarnings("ignore", "score test has not been verified")
        try:
            test = current.result.score_test(exog_extra=block.columns, return_object=True)
        except np.linalg.LinAlgError:
            return float("nan"), block.columns.shape[1], float("nan")
    return float(np.squeeze(test.statistic)), int(test.k_constraint), float(np.squeeze(test.pvalue))


def _block_positions(fit: Fit, blocks: dict[str, Block], variable: str) -> np.ndarray:
    start = 1
    for name in fit.variables:
        width = blocks[name].columns.shape[1]
        if name == variable:
            return np.arange(start, start + width)
        start += width
    raise KeyError(variable)


def removal_test(
    y: np.ndarray,
    blocks: dict[str, Block],
    current: Fit,
    variable: str,
    test: str,
    weights: np.ndarray | None = None,
) -> tuple[float, int, float]:
    """Statistic, df and p-value for removing ``variable`` from ``current``.

    Parameters
    ----------
    y, blocks, weights
        As for ``fit_logit``.
    current : Fit
        The model the variable would leave.
    variable : str
        The block to test.
    test : {"lr", "conditional", "wald"}
        ``lr``: twice the difference in log-likelihood against the model refitted
        without the block (SPSS's default). ``conditional``: the same difference, but
        at the reduced model's one-step estimates from ``current``'s (Lawless and
        Singhal 1978), with no refit. ``wald``: the block's estimates against their
        covariance.

    Returns
    -------
    tuple of (float, int, float)
        The statistic (never below 0), its degrees of freedom and its chi-squared
        p-value.
    """
    positions = _block_positions(current, blocks, variable)
    df = len(positions)
    if test == "lr":
        reduced = fit_logit(
            y, blocks, tuple(v for v in current.variables if v != variable), weights
        )
        statistic = 2.0 * (current.llf - reduced.llf)
    elif test == "wald":
        params = np.asarray(current.result.params)[positions]
        cov = np.asarray(current.result.cov_params())[np.ix_(positions, positions)]
        statistic = float(params @ np.linalg.solve(cov, params))
    elif test == "conditional":
        # LR at the conditional estimates: the reduced model's parameters after one
        # Newton step from the full model's (Lawless and Singhal 1978), with no refit.
        params = np.asarray(current.result.params)
        keep = np.setdiff1d(np.arange(len(params)), positions)
        x = current.result.model.exog
        mu = current.result.fittedvalues
        counts = np.ones(len(mu)) if weights is None else np.asarray(weights)
        information = x.T @ (x * (counts * mu * (1 - mu))[:, None])
        conditional = (
            params[keep]
            + np.linalg.solve(information[np.ix_(keep, keep)], information[np.ix_(keep, positions)])
            @ params[positions]
        )
        restricted = np.zeros_like(params)
        restricted[keep] = conditional
        statistic = 2.0 * (current.llf - current.result.model.loglike(restricted))
    else:
        raise ValueError(f"removal test must be one of {REMOVAL_TESTS}")
    statistic = max(float(statistic), 0.0)
    return statistic, df, float(stats.chi2.sf(statistic, df))


def forward_stepwise(
    y: np.ndarray,
    blocks: dict[str, Block],
    p_enter: float = 0.05,
    p_remove: float = 0.10,
    removal: str = "lr",
    max_steps: int = 100,
    weights: np.ndarray | None = None,
) -> StepwiseResult:
    """Select variables from ``blocks`` as SPSS FSTEP does (see the module docstring).

    Parameters
    ----------
    y : ndarray
        The outcome, 1 or 0 per row.
    blocks : dict of str to Block
        The candidates, each entering or leaving as a whole.
    p_enter, p_remove : float
        SPSS's PIN and POUT: a candidate enters when its score test's p-value is
        below ``p_enter``; a variable leaves when its removal test's is above
        ``p_remove``.
    removal : {"lr", "conditional", "wald"}
        The removal test (``removal_test``).
    max_steps : int
        A bound on entry steps, after which selection stops and says so.
    weights : ndarray, optional
        Frequency weights (``fit_logit``).

    Returns
    -------
    StepwiseResult
        The selected variables, every step with its statistic, the final and the
        constant-only fits, and why selection stopped.

    Notes
    -----
    The tests used to choose are model-based: they assume independent cases, and
    their p-values after selection are too small (the selection used the same
    data). They reproduce the bulletin's SPSS runs, not a final inference.
    """
    if removal not in REMOVAL_TESTS:
        raise ValueError(f"removal test must be one of {REMOVAL_TESTS}")
    y = np.asarray(y, dtype=float)
    null = fit_logit(y, blocks, (), weights)
    current = null
    steps: list[Step] = []
    entered_at: dict[str, int] = {}
    seen = {frozenset()}
    stopped = "no candidate meets the entry criterion"
    for _ in range(max_steps):
        candidates = [name for name in blocks if name not in current.variables]
        tests = [(name, *score_test(current, blocks[name])) for name in candidates]
        tests = [t for t in tests if np.isfinite(t[3])]
        if not tests:
            stopped = "no candidate left"
            break
        # Smallest p-value enters; ties broken by the larger statistic, then name.
        name, statistic, df, p_value = min(tests, key=lambda t: (t[3], -t[1], t[0]))
        if p_value >= p_enter:
            break
        current = fit_logit(y, blocks, (*current.variables, name), weights)
        steps.append(Step(len(steps) + 1, "enter", name, statistic, df, p_value, "score"))
        entered_at[name] = len(steps)
        while len(current.variables) > 0:
            removals = [
                (v, *removal_test(y, blocks, current, v, removal, weights))
                for v in current.variables
            ]
            variable, statistic, df, p_value = max(removals, key=lambda t: (t[3], t[0]))
            if p_value <= p_remove:
                break
            current = fit_logit(
                y, blocks, tuple(v for v in current.variables if v != variable), weights
            )
            steps.append(Step(len(steps) + 1, "remove", variable, statistic, df, p_value, removal))
            entered_at.pop(variable, None)
        key = frozenset(current.variables)
        if key in seen:
            stopped = "a model repeated"
            break
        seen.add(key)
    else:
        stopped = "step limit reached"
    return StepwiseResult(current.variables, steps, current, null, entered_at, stopped)


def categorical_block(name: str, values: list, levels: list, label=str) -> Block | None:
    """k-1 indicator columns for the levels present; the first present level is the reference.

    Parameters
    ----------
    name : str
        The variable's name.
    values : list
        Its value for each row.
    levels : list
        Its levels in order; absent ones are dropped.
    label : callable
        Turns a level into the label stored with the model.

    Returns
    -------
    Block or None
        The indicators, or None when fewer than two levels are present (nothing to
        estimate).
    """
    present = [level for level in levels if any(v == level for v in values)]
    if len(present) < 2:
        return None
    reference, others = present[0], present[1:]
    array = np.array(values, dtype=object)
    columns = np.column_stack([(array == level).astype(float) for level in others])
    return Block(name, columns, tuple(label(level) for level in others), label(reference))
