"""The SQL statistics macros against an independent implementation (statsmodels).

The macros are rendered with plain Jinja (they use nothing of dbt's) and run in
DuckDB, the engine the models run them in.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import pytest
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

MACROS = Path(__file__).resolve().parents[2] / "macros" / "statistics.sql"


@pytest.fixture(scope="module")
def macros():
    environment = jinja2.Environment()
    return environment.from_string(MACROS.read_text(encoding="utf-8")).module


def wilson(macros, n_yes: int, n: int) -> tuple[float | None, float | None]:
    sql = (
        f"select {macros.wilson_bound(str(n_yes), str(n), 'low')}, "
        f"{macros.wilson_bound(str(n_yes), str(n), 'high')}"
    )
    return duckdb.execute(sql).fetchone()


@pytest.mark.parametrize("n", [1, 2, 4, 10, 33, 100, 1767])
def test_wilson_interval_matches_statsmodels_at_every_count(macros, n):
    for n_yes in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        low, high = wilson(macros, n_yes, n)
        expected_low, expected_high = proportion_confint(n_yes, n, alpha=0.05, method="wilson")
        assert low == pytest.approx(100 * expected_low, abs=1e-6), (n_yes, n)
        assert high == pytest.approx(100 * expected_high, abs=1e-6), (n_yes, n)
        estimate = 100 * n_yes / n
        assert 0 <= low <= estimate <= high <= 100, (n_yes, n, low, high)


@pytest.mark.parametrize("n", [1, 3, 4, 7, 25, 49])
def test_wilson_interval_is_clamped_at_none_and_all(macros, n):
    # 4 of 4 gave 99.99999999999999 before the clamp: the estimate outside its interval.
    assert wilson(macros, n, n)[1] == 100.0
    assert wilson(macros, 0, n)[0] == 0.0


def test_wilson_interval_of_no_cases_is_null(macros):
    assert wilson(macros, 0, 0) == (None, None)


def z_and_p(macros, yes_1: int, n_1: int, yes_2: int, n_2: int) -> tuple[float, float]:
    z = macros.two_proportion_z(str(yes_1), str(n_1), str(yes_2), str(n_2))
    return duckdb.execute(f"select {z}, {macros.two_sided_normal_p(z)}").fetchone()


@pytest.mark.parametrize(
    ("yes_1", "n_1", "yes_2", "n_2"),
    [
        (45, 100, 56, 100),  # a textbook case: 45% against 56%, z = 1.56
        (120, 200, 90, 200),  # a fall
        (500, 1329, 320, 651),  # the shape of the CRC samples
        (400, 486, 260, 383),  # the shape of the NPS samples
        (9, 10, 3, 12),  # small samples
        (30, 60, 30, 60),  # no change
    ],
)
def test_two_proportion_test_matches_statsmodels(macros, yes_1, n_1, yes_2, n_2):
    z, p = z_and_p(macros, yes_1, n_1, yes_2, n_2)
    expected_z, expected_p = proportions_ztest([yes_2, yes_1], [n_2, n_1])
    assert z == pytest.approx(expected_z, abs=1e-9)
    # The p-value uses Numerical Recipes' erfcc (relative error below 1.2e-7).
    assert p == pytest.approx(expected_p, rel=2e-7)


@pytest.mark.parametrize("z", [0.0, 0.5, 1.959964, 3.0, 6.0, 11.43, 20.0, 35.0])
def test_two_sided_p_keeps_its_digits_when_small(macros, z):
    # a large change's p-value is tiny, not 0 (the old 1 - erf form cancelled to 0 near
    # z = 8); checked relative to scipy's normal tail
    from scipy.stats import norm

    (p,) = duckdb.execute(f"select {macros.two_sided_normal_p(str(z))}").fetchone()
    assert p == pytest.approx(2 * norm.sf(z), rel=2e-7)
    assert p > 0


def test_two_proportion_test_of_an_empty_or_unanimous_sample_is_null(macros):
    assert z_and_p(macros, 0, 0, 5, 10)[0] is None
    assert z_and_p(macros, 10, 10, 20, 20)[0] is None
