"""The benchmark's target table: each of the issue's targets, met or missed by how much."""

from __future__ import annotations

from pathlib import Path

from conftest import load_script

ROOT = Path(__file__).resolve().parents[2]
benchmark = load_script(ROOT / "benchmarks" / "benchmark.py")
Measure = benchmark.Measure


def measures(run_1: list[float], build: float, pi18_peak_100: float) -> list:
    """One side's measures at the stated scales (seconds, MB)."""
    found = [Measure(1, "run", seconds, 500) for seconds in run_1]
    found += [
        Measure(10, "read_json floor", 5.0, 200, ok=True),
        Measure(100, "run", 300.0, 2500),
        Measure(100, "load", 20.0, 600),
        Measure(100, "floor", 10.0, 700, ok=True),
        Measure(100, "build", build, 1900),
        Measure(100, "validate", 20.0, 900),
    ]
    for folder, low, high in (("omi2", 200, 210), ("qi", 300, 900), ("pi18", 300, pi18_peak_100)):
        found += [
            Measure(10, f"load {folder}/", 12.0 if folder == "pi18" else 1.0, low),
            Measure(100, f"load {folder}/", 9.0, high),
        ]
    return found


def by_measure(rows: list) -> dict[str, tuple[str, str]]:
    return {row.measure.split(",")[0]: (row.shown, row.verdict) for row in rows}


def test_each_target_says_met_or_missed_by_how_much():
    rows = benchmark.targets(measures([30.0, 20.0, 24.0], 38.0, 320), benchmark.Plan(1, 10, 100))
    assert len(rows) == 7
    got = {row.measure: row for row in rows}
    run_1 = got["`run` end to end, scale 1"]
    assert (run_1.value, run_1.shown, run_1.verdict) == (24.0, "24.0 s (median of 3)", "met")
    assert got["`run` end to end, scale 100"].verdict == "missed by 60.0 s (+25%)"
    assert got["`load`, scale 100"].verdict == "met"
    pi18 = next(row for row in rows if row.measure.startswith("`load` of the PI18"))
    assert (pi18.shown, pi18.verdict) == ("12.0 s / 5.00 s = 2.4x", "missed by 0.4x (+20%)")
    build = got["`build` against the every-programme floor, scale 100"]
    assert (build.value, build.verdict) == (3.8, "met")
    # pipeline stages and single-programme loads; `run` and the floors are not stages
    peak = got["peak memory of any stage, scale 100"]
    assert (peak.shown, peak.verdict) == ("build 1,900 MB", "met")
    flat = got["peak memory of `load` per reader, scale 10 -> 100"]
    assert flat.shown == "CSV 200 -> 210, xlsx 300 -> 900, JSON 300 -> 320 MB"
    assert flat.verdict == "missed by 1.75x (+140%): xlsx 3.00x"


def test_a_floor_that_differs_is_not_compared():
    found = measures([20.0], 38.0, 320)
    next(m for m in found if m.stage == "floor").ok = False
    rows = by_measure(benchmark.targets(found, benchmark.Plan(1, 10, 100)))
    assert rows["`build` against the every-programme floor"] == (
        "-",
        "the floor differs: not compared",
    )


def test_the_side_by_side_table_shows_both_sides_and_the_change(tmp_path):
    sides = [
        benchmark.Side("before", tmp_path, tmp_path / "log", measures([30.0], 150.0, 2500)),
        benchmark.Side("after", tmp_path, tmp_path / "log", measures([24.0], 38.0, 320)),
    ]
    section = benchmark.render_comparison(
        "HEAD~1", "abc1234", "def5678", sides, benchmark.Plan(1, 10, 100), 1
    )
    assert section.startswith(benchmark.COMPARISON_START)
    assert section.rstrip().endswith(benchmark.COMPARISON_END)
    assert "| measure | target | before (`abc1234`) | after (`def5678`) | change |" in section
    assert (
        "| `run` end to end, scale 1 | <= 25 s | 30.0 s: missed by 5.0 s (+20%) | "
        "24.0 s: met | -20% |"
    ) in section
    assert (
        "| `build` against the every-programme floor, scale 100 | <= 4x | "
        "150.0 s / 10.00 s = 15.0x: missed by 11.0x (+275%) | 38.0 s / 10.00 s = 3.8x: met "
        "| -75% |"
    ) in section
    assert "in place of the targets'" not in section  # measured at the stated scales


def test_a_smoke_run_names_the_scales_it_measured():
    rows = benchmark.targets(measures([20.0], 38.0, 320), benchmark.Plan(1, 1, 1))
    assert [row.measure for row in rows][:3] == [
        "`run` end to end, scale 1",
        "`run` end to end, scale 1 (the same runs)",
        "`load`, scale 1",
    ]
    assert "in place of the targets'" in "\n".join(benchmark.scales_note(benchmark.Plan(1, 1, 1)))
