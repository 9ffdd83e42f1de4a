"""Every distribution guard sits exactly where config/quality.yml puts it.

For each guard, a value just inside its bound passes and one just outside
fails, in bulletin mode (around the bulletin's figures) and in user mode (the
bounds that hold for any data, and the comparison with the previous
validation). The expected bounds are worked out here from the configuration,
not from the suite code, so a tolerance doubled in code fails.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from public_protection.quality.suites import (
    Reference,
    Scope,
    _between,
    distribution_guard,
    load_bounds,
)

ROOT = Path(__file__).resolve().parents[2]
BOUNDS = load_bounds(ROOT)
PREFIX = {"OMI2": "omi2", "Q&I": "qi"}
# The bulletin's two programmes and seven questions, as the warehouse's reference data holds them.
SCOPE = Scope(
    prefixes=PREFIX,
    bulletin=("OMI2", "Q&I"),
    questions={p: tuple(range(1, 8)) for p in PREFIX},
    areas=(),
)
EPSILON = 1e-6


def passes(check, value: float) -> bool:
    """ExpectColumnValuesToBeBetween on one value: inclusive bounds, None unbounded."""
    low, high = check.kwargs["min_value"], check.kwargs["max_value"]
    return (low is None or value >= low) and (high is None or value <= high)


def reference_metrics() -> dict[str, float]:
    metrics = {}
    for programme, prefix in PREFIX.items():
        metrics[f"{prefix}_cases"] = 400.0 if programme == "OMI2" else 200.0
        for q in range(1, 8):
            metrics[f"{prefix}_q{q}_yes_rate"] = 40.0 + 5 * q
            metrics[f"{prefix}_q{q}_answered_share"] = 0.5 + 0.05 * q
    return metrics


def expected_bounds(name: str, mode: str, metrics: dict[str, float] | None) -> list[tuple]:
    """(low, high) of every guard on ``name``, from the configuration alone."""
    programme = "OMI2" if name.startswith("omi2") else "Q&I"
    tolerance, share = BOUNDS["yes_rate_tolerance_pp"], BOUNDS["answered_share_tolerance"]
    found = []
    if mode == "bulletin":
        if name.endswith("_cases"):
            found.append((BOUNDS["minimum_cases"][programme], None))
        elif name == "omi2_per_qi_case":
            found.append((BOUNDS["omi2_per_qi_case"]["min"], BOUNDS["omi2_per_qi_case"]["max"]))
        elif name.endswith("_unknown_age_share"):
            found.append((0, BOUNDS["unknown_share"]["age_group"][programme]))
        elif name.endswith("_unknown_ethnicity_share"):
            found.append((0, BOUNDS["unknown_share"]["ethnic_group"][programme]))
    else:
        user = BOUNDS["user_mode"]
        if name.endswith("_cases"):
            found.append((user["minimum_cases"]["cases"], None))
            if metrics:
                drop = user["maximum_case_drop"]["share"]
                found.append((round(metrics[name] * (1 - drop), 3), None))
        elif name.endswith(("_unknown_age_share", "_unknown_ethnicity_share")):
            found.append((0, user["unknown_share"]["max"]))
        elif name.endswith("_answered_share"):
            found.append((user["minimum_answered_share"]["share"], None))
    if metrics and name.endswith("_yes_rate"):
        value = metrics[name]
        found.append((max(0.0, value - tolerance), min(100.0, value + tolerance)))
    if metrics and name.endswith("_answered_share"):
        value = metrics[name]
        found.append((max(0.0, round(value - share, 3)), min(1.0, round(value + share, 3))))
    return found


@pytest.mark.parametrize(
    ("mode", "with_reference"),
    [("bulletin", True), ("user", False), ("user", True)],
    ids=["bulletin mode", "user mode, first validation", "user mode, against the last"],
)
def test_every_guard_passes_just_inside_its_bound_and_fails_just_outside(mode, with_reference):
    metrics = reference_metrics()
    source = "bulletin" if mode == "bulletin" else "previous validation"
    reference = Reference(source, metrics) if with_reference else None
    guard = distribution_guard(BOUNDS, reference, ["OMI2", "Q&I"], SCOPE)
    by_column: dict[str, list] = {}
    for check in guard.checks:
        by_column.setdefault(check.kwargs["column"], []).append(check)
    assert by_column, "no guard at all"
    for column, checks in by_column.items():
        expected = expected_bounds(column, mode, metrics if with_reference else None)
        found = [(c.kwargs["min_value"], c.kwargs["max_value"]) for c in checks]
        assert sorted(found, key=str) == sorted(expected, key=str), column
        for check in checks:
            low, high = check.kwargs["min_value"], check.kwargs["max_value"]
            if low is not None and low > 0:
                assert passes(check, low + EPSILON) and not passes(check, low - EPSILON), column
            if high is not None and high < (100.0 if "rate" in column else 1e9):
                assert passes(check, high - EPSILON) and not passes(check, high + EPSILON)
    # Every metric of the frame that has a bound in this mode is guarded.
    if mode == "bulletin":
        assert {f"{p}_q{q}_yes_rate" for p in PREFIX.values() for q in range(1, 8)} <= set(
            by_column
        )


def test_a_yes_rate_moved_just_beyond_the_tolerance_is_critical():
    tolerance = BOUNDS["yes_rate_tolerance_pp"]
    reference = Reference("bulletin", {"omi2_q1_yes_rate": 50.0})
    guard = distribution_guard(BOUNDS, reference, ["OMI2"], SCOPE)
    (check,) = [c for c in guard.checks if c.kwargs["column"] == "omi2_q1_yes_rate"]
    assert check.severity == BOUNDS["yes_rate_severity"] == "critical"
    assert passes(check, 50 + tolerance - 0.1) and not passes(check, 50 + tolerance + 0.1)
    assert passes(check, 50 - tolerance + 0.1) and not passes(check, 50 - tolerance - 0.1)


def test_the_boundary_semantics_are_those_of_great_expectations(tmp_path):
    # The helper above reads bounds as GX does: inclusive at both ends.
    import great_expectations as gx
    import great_expectations.expectations as gxe

    check = _between("rate", 38.0, 62.0)
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("frames")
        .add_dataframe_asset("rates")
        .add_batch_definition_whole_dataframe("all")
    )
    for value in (38.0, 62.0, 38.0 - 0.001, 62.0 + 0.001, 50.0):
        frame = pd.DataFrame({"rate": [value]})
        result = batch.get_batch(batch_parameters={"dataframe": frame}).validate(
            getattr(gxe, check.expectation)(**check.kwargs)
        )
        assert result.success == passes(check, value), value
