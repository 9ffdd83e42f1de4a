"""The benchmark's floor computes exactly what the dbt model does (or its ratio means nothing)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from conftest import BULLETIN_VIEW

pytestmark = pytest.mark.dbt

ROOT = Path(__file__).resolve().parents[2]
FLOOR_SQL = ROOT / "benchmarks" / "floor_judgement_by_subgroup.sql"


def test_floor_query_reproduces_rpt_judgement_by_subgroup(demo_warehouse, monkeypatch):
    monkeypatch.chdir(ROOT)  # the floor reads the seed CSVs by relative path
    assert os.path.exists("seeds/code_lists.csv")
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        floor = con.sql(FLOOR_SQL.read_text(encoding="utf-8")).fetchall()
        model = con.sql(
            "select question_id, variable, category, programme, n, n_yes, pct_yes, "
            "ci_low, ci_high from reporting.rpt_judgement_by_subgroup where " + BULLETIN_VIEW
        ).fetchall()
    assert len(floor) == len(model) == 378
    floor_cells = {row[:4]: row[4:] for row in floor}
    for key, (n, n_yes, pct, low, high) in ((row[:4], row[4:]) for row in model):
        got = floor_cells[key]
        assert got[:2] == (n, n_yes), key
        assert got[2:] == pytest.approx((pct, low, high), abs=1e-9), key
