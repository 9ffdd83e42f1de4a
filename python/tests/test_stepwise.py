"""Forward stepwise selection: its statistics against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from public_protection.regression.stepwise import (
    Block,
    categorical_block,
    fit_logit,
    forward_stepwise,
    removal_test,
    score_test,
)


def synthetic(n: int = 3000, seed: int = 1):
    """A strong categorical effect, a weak numeric one, and pure noise."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], n)
    weak = rng.normal(size=n)
    noise = rng.normal(size=n)
    logit = -0.2 + np.select([group == "b", group == "c"], [0.8, -0.6], 0.0) + 0.12 * weak
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    blocks = {
        "group": categorical_block("group", group.tolist(), ["a", "b", "c"]),
        "weak": Block("weak", weak[:, None], ("weak",), None),
        "noise": Block("noise", noise[:, None], ("noise",), None),
    }
    return y, blocks, group


def test_score_test_of_a_categorical_against_the_constant_is_pearsons_chi_square():
    y, blocks, group = synthetic()
    null = fit_logit(y, blocks, ())
    statistic, df, p_value = score_test(null, blocks["group"])
    table = np.array([[np.sum((group == g) & (y == v)) for v in (0, 1)] for g in "abc"])
    chi2, expected_p, expected_df, _ = stats.chi2_contingency(table, correction=False)
    assert statistic == pytest.approx(chi2, rel=1e-8)
    assert df == expected_df == 2
    assert p_value == pytest.approx(expected_p, rel=1e-6)


def test_lr_removal_equals_the_difference_of_two_separate_fits():
    y, blocks, group = synthetic()
    current = fit_logit(y, blocks, ("group", "weak"))
    statistic, df, p_value = removal_test(y, blocks, current, "group", "lr")
    dummies = np.column_stack([(group == "b"), (group == "c")]).astype(float)
    full = sm.Logit(y, sm.add_constant(np.column_stack([dummies, blocks["weak"].columns]))).fit(
        disp=0
    )
    reduced = sm.Logit(y, sm.add_constant(blocks["weak"].columns)).fit(disp=0)
    assert statistic == pytest.approx(2 * (full.llf - reduced.llf), rel=1e-6)
    assert df == 2
    assert p_value == pytest.approx(stats.chi2.sf(statistic, 2), rel=1e-9)


def test_wald_removal_equals_statsmodels_joint_wald_test():
    y, blocks, _ = synthetic()
    current = fit_logit(y, blocks, ("weak", "group"))
    statistic, df, _ = removal_test(y, blocks, current, "group", "wald")
    constraints = np.zeros((2, 4))
    constraints[0, 2] = constraints[1, 3] = 1
    expected = current.result.wald_test(constraints, scalar=True).statistic
    assert statistic == pytest.approx(float(expected), rel=1e-8)
    assert df == 2


def test_conditional_removal_approximates_the_lr_statistic():
    # Lawless & Singhal's one-step statistic is close to LR for moderate effects.
    y, blocks, _ = synthetic(n=20000)
    current = fit_logit(y, blocks, ("group", "weak"))
    lr = removal_test(y, blocks, current, "weak", "lr")[0]
    conditional = removal_test(y, blocks, current, "weak", "conditional")[0]
    assert conditional == pytest.approx(lr, rel=0.02)
    assert lr > 10  # a real effect, so the comparison means something


def test_selection_enters_by_smallest_score_p_value_and_categoricals_as_a_block():
    y, blocks, _ = synthetic()
    result = forward_stepwise(y, blocks)
    assert result.selected == ("group", "weak")
    first = result.steps[0]
    assert (first.action, first.variable, first.df, first.test) == ("enter", "group", 2, "score")
    assert "noise" not in result.selected
    assert result.stopped_because == "no candidate meets the entry criterion"


def test_a_variable_above_p_remove_leaves_and_a_repeated_model_stops():
    y, blocks, _ = synthetic()
    # With POUT below the weak variable's p-value it enters, then leaves at once;
    # the model repeats and stepping stops instead of cycling.
    result = forward_stepwise(y, {"weak": blocks["weak"]}, p_enter=0.5, p_remove=1e-9)
    assert [(s.action, s.variable) for s in result.steps] == [
        ("enter", "weak"),
        ("remove", "weak"),
    ]
    assert result.stopped_because == "a model repeated"
    assert result.selected == ()


def test_separation_is_reported_not_raised():
    rng = np.random.default_rng(3)
    level = rng.choice(["x", "y", "z"], 400)
    y = (rng.random(400) < 0.5).astype(float)
    y[level == "z"] = 1.0  # every case at level z says yes
    blocks = {"level": categorical_block("level", level.tolist(), ["x", "y", "z"])}
    fit = fit_logit(y, blocks, ("level",))
    # Named without a count: the note is published, and such groups are often small.
    assert "level=z: every case yes" in fit.separation


def test_spector_data_selects_what_the_published_analysis_finds_significant():
    # Spector & Mazzeo (1980), as analysed in Greene, Econometric Analysis (logit of
    # GRADE on GPA, TUCE, PSI): GPA and PSI significant (p = .025), TUCE not (p = .50).
    # FSTEP(LR) PIN(.05) POUT(.10) enters GPA, then PSI, and stops: TUCE never enters.
    data = sm.datasets.spector.load_pandas().data
    blocks = {c: Block(c, data[[c]].to_numpy(float), (c,), None) for c in ("GPA", "TUCE", "PSI")}
    y = data["GRADE"].to_numpy(float)
    result = forward_stepwise(y, blocks)
    assert result.selected == ("GPA", "PSI")
    # And the fitting reproduces the reference's full-model coefficients.
    full = fit_logit(y, blocks, ("GPA", "TUCE", "PSI"))
    assert np.round(full.result.params, 3).tolist() == [-13.021, 2.826, 0.095, 2.379]


def test_levels_absent_from_a_sample_are_dropped_from_the_block():
    block = categorical_block("rosh", ["Low", "Medium", "Low"], ["Low", "Medium", "High"])
    assert block.labels == ("Medium",) and block.reference == "Low"
    assert categorical_block("mappa", ["No", "No"], ["No", "Yes"]) is None


def test_grouped_patterns_with_frequency_weights_give_the_same_statistics():
    # The warehouse fits one row per covariate pattern weighted by its cases.
    rng = np.random.default_rng(7)
    group = rng.choice(["a", "b", "c"], 2000)
    flag = rng.choice(["no", "yes"], 2000)
    y = (rng.random(2000) < np.where(group == "b", 0.7, 0.5)).astype(float)
    case_blocks = {
        "group": categorical_block("group", group.tolist(), ["a", "b", "c"]),
        "flag": categorical_block("flag", flag.tolist(), ["no", "yes"]),
    }
    patterns: dict[tuple, int] = {}
    for key in zip(group, flag, y, strict=True):
        patterns[key] = patterns.get(key, 0) + 1
    keys = sorted(patterns)
    g, f, gy = (list(column) for column in zip(*keys, strict=True))
    weights = np.array([patterns[k] for k in keys], dtype=float)
    grouped_blocks = {
        "group": categorical_block("group", g, ["a", "b", "c"]),
        "flag": categorical_block("flag", f, ["no", "yes"]),
    }
    gy = np.array(gy)
    assert len(gy) <= 12 < len(y)
    per_case = fit_logit(y, case_blocks, ("group",))
    per_pattern = fit_logit(gy, grouped_blocks, ("group",), weights)
    assert per_pattern.llf == pytest.approx(per_case.llf, rel=1e-9)
    assert score_test(per_pattern, grouped_blocks["flag"])[0] == pytest.approx(
        score_test(per_case, case_blocks["flag"])[0], rel=1e-6
    )
    both_case = fit_logit(y, case_blocks, ("group", "flag"))
    both_pattern = fit_logit(gy, grouped_blocks, ("group", "flag"), weights)
    for test in ("lr", "wald", "conditional"):
        expected = removal_test(y, case_blocks, both_case, "group", test)[0]
        got = removal_test(gy, grouped_blocks, both_pattern, "group", test, weights)[0]
        assert got == pytest.approx(expected, rel=1e-6), test


# --- PIN(.05) and POUT(.10), with the tests' p-values scripted ---------------------


def scripted(monkeypatch, enter: dict, remove: dict):
    """Make the score and removal tests return chosen p-values.

    ``enter[name]`` is a candidate's score-test p; ``remove[(variable, model)]`` the
    removal p of ``variable`` from the model holding ``model`` (a frozenset).
    """
    from public_protection.regression import stepwise

    def score(current, block):
        return 5.0, 1, enter[block.name]

    def removal(y, blocks, current, variable, test, weights=None):
        return 2.0, 1, remove[(variable, frozenset(current.variables))]

    monkeypatch.setattr(stepwise, "score_test", score)
    monkeypatch.setattr(stepwise, "removal_test", removal)


def two_blocks() -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(11)
    y = (rng.random(300) < 0.5).astype(float)
    blocks = {name: Block(name, rng.normal(size=(300, 1)), (name,), None) for name in ("a", "b")}
    return y, blocks


def three_blocks(seed: int) -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    y = (rng.random(300) < 0.5).astype(float)
    return y, {name: Block(name, rng.normal(size=(300, 1)), (name,), None) for name in "abc"}


def test_a_candidate_at_p_06_does_not_enter(monkeypatch):
    y, blocks = two_blocks()
    scripted(monkeypatch, enter={"a": 0.06, "b": 0.04}, remove={("b", frozenset("b")): 0.01})
    result = forward_stepwise(y, blocks)
    assert result.selected == ("b",)
    assert [(s.action, s.variable) for s in result.steps] == [("enter", "b")]
    assert result.stopped_because == "no candidate meets the entry criterion"


@pytest.mark.parametrize("p_value", [0.09, 0.10])  # removal needs p > .10
def test_a_variable_at_p_09_or_exactly_10_stays_in_the_model(monkeypatch, p_value):
    y, blocks = two_blocks()
    both = frozenset("ab")
    scripted(
        monkeypatch,
        enter={"a": 0.01, "b": 0.02},
        remove={("a", frozenset("a")): 0.01, ("a", both): p_value, ("b", both): 0.01},
    )
    result = forward_stepwise(y, blocks)
    assert result.selected == ("a", "b")
    assert all(s.action == "enter" for s in result.steps)
    assert result.stopped_because == "no candidate left"


def test_a_variable_at_p_11_leaves_the_model(monkeypatch):
    y, blocks = two_blocks()
    both = frozenset("ab")
    scripted(
        monkeypatch,
        enter={"a": 0.01, "b": 0.02},
        remove={
            ("a", frozenset("a")): 0.01,
            ("b", frozenset("b")): 0.01,
            ("a", both): 0.11,
            ("b", both): 0.01,
        },
    )
    result = forward_stepwise(y, blocks)
    assert result.selected == ("b",)
    assert [(s.action, s.variable) for s in result.steps[:3]] == [
        ("enter", "a"),
        ("enter", "b"),
        ("remove", "a"),
    ]
    assert [s.step for s in result.steps] == list(range(1, len(result.steps) + 1))
    removal = next(s for s in result.steps if s.action == "remove")
    assert removal.p_value == 0.11


def test_steps_are_numbered_in_order_when_a_removal_follows_an_odd_number_of_steps(
    monkeypatch,
):
    y, blocks = three_blocks(3)
    remove = {("a", frozenset("a")): 0.01, ("b", frozenset("ab")): 0.01}
    remove |= {("a", frozenset("ab")): 0.01, ("c", frozenset("abc")): 0.01}
    remove |= {("b", frozenset("abc")): 0.01, ("a", frozenset("abc")): 0.5}
    remove |= {("b", frozenset("bc")): 0.01, ("c", frozenset("bc")): 0.01}
    scripted(monkeypatch, enter={"a": 0.01, "b": 0.02, "c": 0.03}, remove=remove)
    result = forward_stepwise(y, blocks)
    assert [(s.step, s.action, s.variable) for s in result.steps][:4] == [
        (1, "enter", "a"),
        (2, "enter", "b"),
        (3, "enter", "c"),
        (4, "remove", "a"),
    ]


def test_names_and_test_names_are_compared_by_value_not_identity():
    # Names read from configuration or a database are equal strings, not the
    # same objects as the dictionary's keys.
    y, two = two_blocks()
    blocks = {"first": two["a"], "second": two["b"]}
    current = fit_logit(y, blocks, ("first", "second"))
    name, test = "".join(["fir", "st"]), "".join(["l", "r"])
    assert not any(name is key for key in blocks)  # the point of the test
    assert removal_test(y, blocks, current, name, test) == removal_test(
        y, blocks, current, "first", "lr"
    )
    conditional = "".join(["condition", "al"])
    assert removal_test(y, blocks, current, name, conditional)[0] >= 0.0
    wald = "".join(["wa", "ld"])
    assert removal_test(y, blocks, current, name, wald) == removal_test(
        y, blocks, current, "first", "wald"
    )


def test_a_p_of_exactly_05_does_not_enter(monkeypatch):
    y, blocks = two_blocks()
    both = frozenset("ab")
    scripted(
        monkeypatch,
        enter={"a": 0.01, "b": 0.05},
        remove={("a", frozenset("a")): 0.01, ("a", both): 0.01, ("b", both): 0.01},
    )
    assert forward_stepwise(y, blocks).selected == ("a",)  # entry needs p < .05


def test_ties_enter_the_larger_statistic_then_the_first_name(monkeypatch):
    from public_protection.regression import stepwise

    y, blocks = two_blocks()
    statistics = {"a": 4.0, "b": 6.0}
    monkeypatch.setattr(
        stepwise, "score_test", lambda current, block: (statistics[block.name], 1, 0.01)
    )
    monkeypatch.setattr(stepwise, "removal_test", lambda *args, **kwargs: (9.0, 1, 0.001))
    assert forward_stepwise(y, blocks).steps[0].variable == "b"
    statistics["a"] = 6.0
    assert forward_stepwise(y, blocks).steps[0].variable == "a"
    # The name decides, not the order the blocks come in.
    assert forward_stepwise(y, {"b": blocks["b"], "a": blocks["a"]}).steps[0].variable == "a"


def test_a_candidate_whose_test_cannot_be_computed_never_enters(monkeypatch):
    from public_protection.regression import stepwise

    y, blocks = two_blocks()
    p_values = {"a": float("nan"), "b": 0.5}
    monkeypatch.setattr(
        stepwise, "score_test", lambda current, block: (1.0, 1, p_values[block.name])
    )
    assert forward_stepwise(y, blocks).selected == ()


def test_an_unknown_removal_test_is_refused():
    y, blocks = two_blocks()
    current = fit_logit(y, blocks, ("a", "b"))
    for name in ("abc", "xyz"):  # sorting before and after the known names
        with pytest.raises(ValueError, match="removal test must be one of"):
            removal_test(y, blocks, current, "a", name)


def test_the_conditional_statistic_uses_the_fitted_models_information_matrix():
    # Lawless & Singhal: the kept estimates move by one Newton step using the full
    # model's information, here taken from statsmodels' own Hessian; with
    # correlated covariates the step matters, so a wrong weighting shows.
    rng = np.random.default_rng(5)
    first = rng.normal(size=4000)
    second = 0.8 * first + 0.6 * rng.normal(size=4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(0.4 + 1.5 * first + second)))).astype(float)
    blocks = {
        "first": Block("first", first[:, None], ("first",), None),
        "second": Block("second", second[:, None], ("second",), None),
    }
    current = fit_logit(y, blocks, ("first", "second"))
    result = current.result
    params = np.asarray(result.params)
    information = -result.model.hessian(params)
    keep, drop = np.array([0, 2]), np.array([1])
    restricted = np.zeros_like(params)
    restricted[keep] = params[keep] + np.linalg.solve(
        information[np.ix_(keep, keep)], information[np.ix_(keep, drop)] @ params[drop]
    )
    expected = 2.0 * (result.llf - result.model.loglike(restricted))
    statistic = removal_test(y, blocks, current, "first", "conditional")[0]
    assert statistic == pytest.approx(expected, rel=1e-8)
    assert statistic > 100


@pytest.mark.parametrize(
    ("coefficient", "error", "flagged"),
    [(10.0, 1.0, False), (10.01, 1.0, True), (-10.01, 1.0, True), (1.0, 50.0, False),
     (1.0, 50.01, True), (1.0, float("inf"), True), (1.0, float("nan"), True)],
)  # fmt: skip
def test_near_separation_is_flagged_beyond_the_documented_bounds(coefficient, error, flagged):
    from types import SimpleNamespace

    from public_protection.regression.stepwise import separation_notes

    level = np.array(["x", "y"] * 10)
    y = np.array([1.0, 0.0, 0.0, 1.0] * 5)  # both outcomes at both levels: no complete separation
    blocks = {"level": categorical_block("level", level.tolist(), ["x", "y"])}
    result = SimpleNamespace(params=np.array([0.0, coefficient]), bse=np.array([1.0, error]))
    notes = separation_notes(y, blocks, ("level",), result)
    assert bool(notes) == flagged
    assert all("near-separation" in note for note in notes)


def test_a_level_where_every_case_says_no_is_named_as_such():
    level = ["x"] * 10 + ["y"] * 10
    y = np.array([1.0, 0.0] * 5 + [0.0] * 10)
    blocks = {"level": categorical_block("level", level, ["x", "y"])}
    fit = fit_logit(y, blocks, ("level",))
    assert fit.separation == ["level=y: every case no"]


def test_a_level_with_a_single_case_is_named_with_its_outcome():
    level = ["x"] * 10 + ["y"]
    y = np.array([1.0, 0.0] * 5 + [1.0])
    blocks = {"level": categorical_block("level", level, ["x", "y"])}
    fit = fit_logit(y, blocks, ("level",))
    assert fit.separation == ["level=y: every case yes"]


def test_a_variable_removed_from_the_middle_leaves_the_others_in_order(monkeypatch):
    y, blocks = three_blocks(4)
    remove = {("a", frozenset("a")): 0.01, ("a", frozenset("ab")): 0.01}
    remove |= {("b", frozenset("ab")): 0.01, ("a", frozenset("abc")): 0.01}
    remove |= {("b", frozenset("abc")): 0.5, ("c", frozenset("abc")): 0.01}
    remove |= {("a", frozenset("ac")): 0.01, ("c", frozenset("ac")): 0.01}
    scripted(monkeypatch, enter={"a": 0.01, "b": 0.02, "c": 0.03}, remove=remove)
    result = forward_stepwise(y, blocks)
    assert result.selected == ("a", "c")
    assert result.final.variables == ("a", "c")


def test_of_two_variables_equally_ready_to_leave_the_later_name_leaves(monkeypatch):
    from public_protection.regression import stepwise

    y, blocks = two_blocks()
    statistics = {"a": 3.0, "b": 2.0}  # the larger statistic is not what decides

    def removal(y, blocks, current, variable, test, weights=None):
        p_value = 0.5 if len(current.variables) == 2 else 0.01
        return statistics[variable], 1, p_value

    monkeypatch.setattr(stepwise, "score_test", lambda current, block: (5.0, 1, 0.01))
    monkeypatch.setattr(stepwise, "removal_test", removal)
    removed = [s.variable for s in forward_stepwise(y, blocks).steps if s.action == "remove"]
    assert removed[0] == "b"


def test_a_categorical_becomes_one_indicator_per_level_but_the_reference():
    block = categorical_block("g", ["b", "a", "c", "b", None], ["a", "b", "c"])
    assert block.reference == "a" and block.labels == ("b", "c")
    assert block.columns.tolist() == [[1, 0], [0, 0], [0, 1], [1, 0], [0, 0]]


def test_near_separation_is_checked_level_by_level():
    from types import SimpleNamespace

    from public_protection.regression.stepwise import separation_notes

    level = ["x", "y", "z"] * 10
    y = np.array([1.0, 0.0] * 15)  # both outcomes at every level
    blocks = {"level": categorical_block("level", level, ["x", "y", "z"])}
    result = SimpleNamespace(params=np.array([0.0, 1.0, 12.0]), bse=np.array([1.0, 1.0, 1.0]))
    notes = separation_notes(y, blocks, ("level",), result)
    assert notes == ["level=z: near-separation (coefficient 12.0, standard error 1.0)"]
