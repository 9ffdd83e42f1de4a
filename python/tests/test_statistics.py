"""The SQL statistics macros against an independent implementation (statsmodels).

The macros are rendered with plain Jinja (they use nothing of dbt's) and run in
DuckDB, the engine the models run them in.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import pytest
from statsmodels.stats.proportion import proportion_confint

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
