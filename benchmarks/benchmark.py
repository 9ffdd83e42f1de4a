"""How the pipeline's cost grows with the data, against hand-written floors.

For each scale K (default 1, 10, 100) of the demo extracts, on a fresh
warehouse in a scratch folder, this runs every stage as its own process:

    demo-data --scale K, load, floor, floor (Tables 2-8), build, validate,
    regress, report, publish

then `load` of each programme's files alone (a landing folder holding only
omi2/, qi/ or pi18/: one reader each, CSV, xlsx and JSON) with the PI18 floor
beside it, and, on another fresh folder, `run` end to end. Each is timed (wall
clock) and its peak memory taken from the kernel (``wait4``: the largest
resident set of the process or of any process it started, such as dbt).

The floors, each its own process, each checked against the build before its
time counts:

- ``floor_programme_trend.sql``: reporting.rpt_programme_trend's counts (n and
  n yes by question, programme, agency and scope) for every programme the demo
  holds, in one DuckDB query straight from the raw tables. `build` is compared
  with it (the headline ratio). Its rows must equal the trend table's.
- ``floor_judgement_by_subgroup.sql``: the bulletin's Tables 2-8
  (rpt_judgement_by_subgroup, OMI2 and Q&I only), the floor before PI18, kept as
  a second line. Its rows must equal the model's.
- ``floor_pi18_read_json.py``: the PI18 exports into two tables of a fresh
  DuckDB file with DuckDB's ``read_json``; `load` of the PI18 exports alone is
  compared with it. Its row counts must equal the raw tables'.

The SQL floors read the lookups from the seed CSVs of the project whose
warehouse they read.

    .venv/bin/python benchmarks/benchmark.py [--scales 1 10 100] [--output FILE]

It prints the tables and writes ``benchmarks/results.md`` (measured part only:
the hand-written analysis below the ``<!-- analysis -->`` marker is kept, and so
is the side-by-side section). About 25 minutes on 2 cores at the default scales.

    .venv/bin/python benchmarks/benchmark.py --compare COMMIT [--repeats 3]
        [--scales SMALL [MIDDLE] LARGE]

measures the issue's targets for COMMIT (checked out in a git worktree) and this
checkout side by side, alternately, in the same environment: `run` at SMALL
(default 1) ``--repeats`` times each (the median counts); `load` of each
programme's files alone and the read_json floor at MIDDLE (default 10); every
stage, the floors, the single-programme loads and `run` once each at LARGE
(default 100). The floors are this checkout's, run against either side's
warehouse. It writes only the side-by-side section of the output. At the
default scales about 45 minutes on 2 cores; ``--scales 1`` is a smoke run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

try:
    from public_protection.cli import VERB_PATHS
except ImportError:  # an older commit's CLI, measured side by side: every verb took both
    VERB_PATHS = {}

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
TREND_FLOOR = BENCHMARKS / "floor_programme_trend.sql"
BULLETIN_FLOOR = BENCHMARKS / "floor_judgement_by_subgroup.sql"
READ_JSON_FLOOR = BENCHMARKS / "floor_pi18_read_json.py"
RESULTS = BENCHMARKS / "results.md"
ANALYSIS_MARKER = "<!-- analysis: hand-written, kept when the tables are regenerated -->"
COMPARISON_START = "<!-- comparison: written by --compare, kept by the other runs -->"
COMPARISON_END = "<!-- /comparison -->"

# The CLI of whichever checkout PYTHONPATH points at (project_env), in this environment.
CLI_MODULE = [sys.executable, "-m", "public_protection.cli"]

FLOOR, BULLETIN = "floor", "floor (Tables 2-8)"
FLOORS = {FLOOR: TREND_FLOOR, BULLETIN: BULLETIN_FLOOR}
STAGES = ("demo-data", "load", FLOOR, BULLETIN, "build", "validate", "regress", "report", "publish")
# the pipeline's own stages, whose peak memory the target bounds (floors are not stages)
PIPELINE = tuple(stage for stage in STAGES if stage not in FLOORS)
# each programme's files are read by one reader
READERS = {"omi2": "CSV", "qi": "xlsx", "pi18": "JSON"}
READ_JSON = "read_json floor"
SCALES = (1, 10, 100)

# The targets, each at the scale it is stated for.
TARGET_RUN_SCALE_1_S = 25.0
TARGET_RUN_SCALE_100_S = 240.0
TARGET_LOAD_SCALE_100_S = 30.0
TARGET_PI18_LOAD_OVER_FLOOR = 2.0  # at scale 10, against the read_json floor
TARGET_BUILD_OVER_FLOOR = 4.0  # at scale 100, against the every-programme floor
TARGET_PEAK_MB = 2048.0  # any stage at scale 100, below
# "Flat in file size": a reader's peak at ten times the file size (scale 10 to 100)
# at most this many times its peak at the smaller.
TARGET_READER_GROWTH = 1.25

# The build's rows each SQL floor reproduces, and how many of the floor's columns.
MODEL_QUERIES = {
    FLOOR: "select question_id, programme, responsible_agency, scope, n, n_yes "
    "from reporting.rpt_programme_trend",
    # the bulletin's view of the table: its programmes (and All) on its questions
    BULLETIN: "select question_id, variable, category, programme, n, n_yes "
    "from reporting.rpt_judgement_by_subgroup"
    " where question_id in (select question_id from marts.dim_question"
    " where is_in_bulletin) and (programme = 'All' or programme in"
    " (select programme from marts.dim_programme where in_bulletin))",
}
COMPARED_COLUMNS = 6

# A SQL floor as its own process: connect read-only, run the script, time the query;
# print the time and the rows (JSON), so the rows checked are the ones timed.
FLOOR_PROGRAM = """
import json, sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("set enable_progress_bar = false")
sql = open(sys.argv[2], encoding="utf-8").read()
started = time.perf_counter()
rows = con.sql(sql).fetchall()
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": [list(row) for row in rows]}, default=str))
"""


@dataclass
class Measure:
    scale: int
    stage: str
    seconds: float
    peak_mb: float
    note: str = ""
    ok: bool | None = None  # a floor's check against the build, where it has one


def reader_stage(folder: str) -> str:
    return f"load {folder}/"


ROWS = (*STAGES, *(reader_stage(folder) for folder in READERS), READ_JSON, "run")


def project_env(project: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(project / "python"),
        "PUBLIC_PROTECTION_PROJECT_DIR": str(project),
    }


def measured(
    command: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None
) -> tuple[float, float, str]:
    """Run ``command``; return wall seconds, peak RSS in MB and its stdout."""
    with log.open("ab") as errors:
        errors.write(f"\n$ ({cwd.name}) {' '.join(command)}\n".encode())
        errors.flush()
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors)
        output = process.stdout.read() if process.stdout else b""
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {process.returncode}); see {log}")
    return seconds, usage.ru_maxrss / 1024, output.decode()


# -- the floors' checks ---------------------------------------------------------------


def differences(floor_rows: list, model_rows: list) -> list[str]:
    """Rows one side has and the other has not (as multisets), floor's first."""
    floor, model = Counter(map(tuple, floor_rows)), Counter(map(tuple, model_rows))
    return [f"floor only: {row}" for row in sorted((floor - model).elements(), key=repr)] + [
        f"build only: {row}" for row in sorted((model - floor).elements(), key=repr)
    ]


def floor_differences(db: Path, floor: str, floor_rows: list) -> list[str]:
    """How a SQL floor's rows differ from the build's table they reproduce (none: equal)."""
    import duckdb

    try:
        with duckdb.connect(str(db), read_only=True) as con:
            model = con.sql(MODEL_QUERIES[floor]).fetchall()
    except duckdb.Error as error:
        return [f"the build's table cannot be read: {str(error).splitlines()[0]}"]
    return differences([row[:COMPARED_COLUMNS] for row in floor_rows], model)


def run_floor(db: Path, floor: str, project: Path, log: Path) -> tuple[float, float, float, list]:
    """A SQL floor as its own process in ``project`` (its seeds): seconds, MB, query s, rows."""
    command = [sys.executable, "-c", FLOOR_PROGRAM, str(db), str(FLOORS[floor])]
    seconds, peak, output = measured(command, project, log, env=project_env(project))
    result = json.loads(output)
    return seconds, peak, result["seconds"], result["rows"]


def raw_pi18_counts(db: Path) -> tuple[int, int]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select (select count(*) from raw.pi18_cases), (select count(*) from raw.pi18_ratings)"
        ).fetchall()[0]


# -- one side's measures --------------------------------------------------------------


@dataclass
class Side:
    """One checkout measured: its code and project (seeds, dbt project), its measures."""

    name: str
    project: Path
    log: Path
    measures: list[Measure] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def record(self, measure: Measure) -> Measure:
        self.measures.append(measure)
        print(
            f"  {self.name:<6} scale {measure.scale:>3} {measure.stage:<18} "
            f"{measure.seconds:8.1f} s {measure.peak_mb:8.0f} MB {measure.note}",
            flush=True,
        )
        return measure

    def time(self, scale: int, stage: str, command: list[str], note: str = "") -> str:
        seconds, peak, output = measured(command, self.project, self.log, project_env(self.project))
        self.record(Measure(scale, stage, seconds, peak, note))
        return output

    def cli(self, scale: int, stage: str, verb: str, paths: dict[str, Path], *extra: str) -> None:
        # Each verb takes the paths it uses (the others are refused).
        taken = VERB_PATHS.get(verb, ("db", "landing"))
        options = [part for name in taken if name in paths for part in (f"--{name}", paths[name])]
        note = "end to end, demo-data included" if verb == "run" else ""
        self.time(scale, stage, [*CLI_MODULE, verb, *map(str, options), *extra], note)

    def fail(self, problem: str, details: list[str]) -> None:
        self.failures.append(problem)
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"\n{self.name}: {problem}\n" + "".join(f"  {d}\n" for d in details))


def bench_stages(side: Side, scale: int, work: Path) -> Path:
    """Every stage and the SQL floors on a fresh warehouse; the landing folder is kept."""
    db, landing = work / "warehouse" / "public_protection.duckdb", work / "landing"
    paths = {"db": db, "landing": landing}
    timed_floors: dict[str, tuple[Measure, list]] = {}
    for stage in STAGES:
        if stage in FLOORS:
            seconds, peak, query, rows = run_floor(db, stage, side.project, side.log)
            measure = Measure(scale, stage, seconds, peak, f"query {query:.2f} s")
            timed_floors[stage] = (side.record(measure), rows)
        elif stage == "demo-data":
            side.cli(scale, stage, stage, paths, "--scale", str(scale))
        else:
            side.cli(scale, stage, stage, paths)
    for floor, (measure, rows) in timed_floors.items():
        problems = floor_differences(db, floor, rows)
        measure.ok = not problems
        measure.note += "; result = the build's" if measure.ok else "; DIFFERS from the build"
        if problems:
            side.fail(f"{floor} at scale {scale} differs from the build", problems)
    shutil.rmtree(db.parent)
    return landing


def bench_readers(side: Side, scale: int, landing: Path, work: Path) -> None:
    """`load` of each programme's files alone, and the read_json floor beside PI18's."""
    for folder in READERS:
        alone = work / f"landing-{folder}"
        (alone / folder).mkdir(parents=True)
        for path in sorted((landing / folder).iterdir()):
            (alone / folder / path.name).symlink_to(path)
        manifest = landing / "manifest.json"  # the demo's: its files stay demo files
        if manifest.exists():
            shutil.copy(manifest, alone / manifest.name)
        db = work / f"warehouse-{folder}" / "public_protection.duckdb"
        side.cli(scale, reader_stage(folder), "load", {"db": db, "landing": alone})
        if folder == "pi18":
            out = work / "read_json.duckdb"
            command = [sys.executable, str(READ_JSON_FLOOR), str(alone / folder), str(out)]
            seconds, peak, output = measured(command, side.project, side.log)
            query, cases, ratings = output.split()
            counts, raw = (int(cases), int(ratings)), raw_pi18_counts(db)
            note = f"read and write {float(query):.2f} s; {cases} cases, {ratings} ratings"
            measure = Measure(scale, READ_JSON, seconds, peak, note, ok=counts == tuple(raw))
            measure.note += " = raw's" if measure.ok else f", raw holds {raw[0]} and {raw[1]}"
            side.record(measure)
            if not measure.ok:
                side.fail(f"the read_json floor at scale {scale} differs from raw", [note])
            out.unlink()
        shutil.rmtree(db.parent)
        shutil.rmtree(alone)


def bench_run(side: Side, scale: int, work: Path) -> None:
    """`run` end to end on a fresh folder (it writes the demo first)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    paths = {"db": work / "w.duckdb", "landing": work / "landing"}
    side.cli(scale, "run", "run", paths, "--demo", "--scale", str(scale))
    shutil.rmtree(work)


def bench_scale(side: Side, scale: int, scratch: Path) -> None:
    work = scratch / f"scale-{scale}"
    shutil.rmtree(work, ignore_errors=True)
    landing = bench_stages(side, scale, work)
    if side.failures:  # the ratios would mean nothing
        raise SystemExit("; ".join(side.failures) + f" (see {side.log})")
    bench_readers(side, scale, landing, work)
    if side.failures:
        raise SystemExit("; ".join(side.failures) + f" (see {side.log})")
    shutil.rmtree(work)
    bench_run(side, scale, work)


# -- the targets ----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The scale each target is measured at: `run` at ``small``; the PI18 load against
    its floor at ``middle``; the rest at ``large``; readers' memory at both of the last."""

    small: int
    middle: int
    large: int

    @classmethod
    def stated_or_largest(cls, scales: list[int]) -> Plan:
        """Each target at its stated scale where measured, else at the largest measured."""
        return cls(*(stated if stated in scales else max(scales) for stated in SCALES))

    @property
    def is_stated(self) -> bool:
        return (self.small, self.middle, self.large) == SCALES


@dataclass
class Target:
    measure: str
    target: str
    value: float | None  # the figure compared with the target (None: not measured)
    shown: str
    verdict: str


def verdict(value: float, target: float, unit: str, strict: bool = False) -> str:
    """Say "met", or by how much (in the target's unit and as a share of it) it is missed."""
    if value < target or (value == target and not strict):
        return "met"
    over = value - target
    return f"missed by {over:,.1f}{unit} (+{over / target:.0%})"


def targets(measures: list[Measure], plan: Plan) -> list[Target]:
    """The issue's targets measured at the plan's scales."""

    def all_of(scale: int, stage: str) -> list[Measure]:
        return [m for m in measures if (m.scale, m.stage) == (scale, stage)]

    def one(scale: int, stage: str) -> Measure | None:
        found = all_of(scale, stage)
        return found[-1] if found else None

    def not_measured(measure: str, target: str) -> Target:
        return Target(measure, target, None, "-", "not measured")

    rows = []
    for scale, goal in ((plan.small, TARGET_RUN_SCALE_1_S), (plan.large, TARGET_RUN_SCALE_100_S)):
        label, target = f"`run` end to end, scale {scale}", f"<= {goal:.0f} s"
        if scale == plan.large and plan.large == plan.small and rows:
            label += " (the same runs)"
        runs = [m.seconds for m in all_of(scale, "run")]
        if runs:
            value = statistics.median(runs)
            many = f" (median of {len(runs)})" if len(runs) > 1 else ""
            shown = f"{value:.1f} s{many}"
            rows.append(Target(label, target, value, shown, verdict(value, goal, " s")))
        else:
            rows.append(not_measured(label, target))

    label, target = f"`load`, scale {plan.large}", f"<= {TARGET_LOAD_SCALE_100_S:.0f} s"
    load = one(plan.large, "load")
    if load:
        judged = verdict(load.seconds, TARGET_LOAD_SCALE_100_S, " s")
        rows.append(Target(label, target, load.seconds, f"{load.seconds:.1f} s", judged))
    else:
        rows.append(not_measured(label, target))

    for label, target, goal, numerator, denominator in (
        (
            f"`load` of the PI18 exports, scale {plan.middle}, against DuckDB's `read_json` floor",
            f"<= {TARGET_PI18_LOAD_OVER_FLOOR:.0f}x the floor",
            TARGET_PI18_LOAD_OVER_FLOOR,
            one(plan.middle, reader_stage("pi18")),
            one(plan.middle, READ_JSON),
        ),
        (
            f"`build` against the every-programme floor, scale {plan.large}",
            f"<= {TARGET_BUILD_OVER_FLOOR:.0f}x",
            TARGET_BUILD_OVER_FLOOR,
            one(plan.large, "build"),
            one(plan.large, FLOOR),
        ),
    ):
        if not (numerator and denominator):
            rows.append(not_measured(label, target))
        elif denominator.ok is False:
            rows.append(Target(label, target, None, "-", "the floor differs: not compared"))
        else:
            ratio = numerator.seconds / denominator.seconds
            shown = f"{numerator.seconds:.1f} s / {denominator.seconds:.2f} s = {ratio:.1f}x"
            rows.append(Target(label, target, ratio, shown, verdict(ratio, goal, "x")))

    label = f"peak memory of any stage, scale {plan.large}"
    target = f"< {TARGET_PEAK_MB / 1024:.0f} GB"
    stages = [
        m
        for m in measures
        if m.scale == plan.large and (m.stage in PIPELINE or m.stage.startswith("load "))
    ]
    if stages:
        worst = max(stages, key=lambda m: m.peak_mb)
        shown = f"{worst.stage} {worst.peak_mb:,.0f} MB"
        judged = verdict(worst.peak_mb, TARGET_PEAK_MB, " MB", strict=True)
        rows.append(Target(label, target, worst.peak_mb, shown, judged))
    else:
        rows.append(not_measured(label, target))

    sizes_label = f"{plan.middle}" + ("" if plan.middle == plan.large else f" -> {plan.large}")
    label = f"peak memory of `load` per reader, scale {sizes_label}"
    target = f"flat in file size (at most {TARGET_READER_GROWTH:.2f}x)"
    sizes = {
        kind: (one(plan.middle, reader_stage(folder)), one(plan.large, reader_stage(folder)))
        for folder, kind in READERS.items()
    }
    if all(low and high for low, high in sizes.values()):
        growth = {kind: high.peak_mb / low.peak_mb for kind, (low, high) in sizes.items()}
        shown = ", ".join(
            f"{kind} {low.peak_mb:,.0f}"
            + ("" if plan.middle == plan.large else f" -> {high.peak_mb:,.0f}")
            for kind, (low, high) in sizes.items()
        )
        worst_kind = max(growth, key=growth.get)
        value = growth[worst_kind]
        if plan.middle == plan.large:
            judged = "one size measured"
        elif value <= TARGET_READER_GROWTH:
            judged = "met"
        else:
            missed = [f"{kind} {g:.2f}x" for kind, g in growth.items() if g > TARGET_READER_GROWTH]
            judged = (
                f"missed by {value - TARGET_READER_GROWTH:.2f}x "
                f"(+{value / TARGET_READER_GROWTH - 1:.0%}): " + ", ".join(missed)
            )
        rows.append(Target(label, target, value, shown + " MB", judged))
    else:
        rows.append(not_measured(label, target))
    return rows


def scales_note(plan: Plan) -> list[str]:
    if plan.is_stated:
        return []
    return [
        "",
        f"Measured at scales {plan.small}, {plan.middle} and {plan.large} in place of the "
        "targets' 1, 10 and 100: a verdict at another scale than the target's is only "
        "indicative.",
    ]


# -- the tables -----------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        total_kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
    return [
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M')} UTC",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; memory {total_kb / 1024**2:.1f} GB",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}, DuckDB {version('duckdb')}, "
        f"dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}, "
        f"great-expectations {version('great-expectations')}",
        "- Disk: the scratch folder's file system (a fresh warehouse per scale)",
    ]


def ratio_cell(numerator: Measure | None, denominator: Measure | None) -> str:
    if not (numerator and denominator):
        return "-"
    if denominator.ok is False:
        return "differs"
    return f"{numerator.seconds / denominator.seconds:.1f}x"


def render(results: list[Measure], scales: list[int]) -> str:
    by = {(m.scale, m.stage): m for m in results}
    lines = ["# Benchmark results", "", "Measured by `benchmarks/benchmark.py`.", ""]
    lines += machine()
    lines += ["", "## Wall time (s) and peak memory (MB) per stage", ""]
    header = "| stage | " + " | ".join(f"scale {k}: s | MB" for k in scales) + " |"
    lines += [header, "| --- | " + " | ".join("---: | ---:" for _ in scales) + " |"]
    for stage in ROWS:
        cells = []
        for scale in scales:
            m = by.get((scale, stage))
            cells.append(f"{m.seconds:.1f} | {m.peak_mb:,.0f}" if m else "- | -")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"`{FLOOR}` is the every-programme floor (rpt_programme_trend's counts), "
        f"`{BULLETIN}` the bulletin's tables only (OMI2 and Q&I); "
        + ", ".join(f"`{reader_stage(f)}` {k}" for f, k in READERS.items())
        + f": `load` of one programme's files alone; `{READ_JSON}`: the PI18 exports "
        "with DuckDB's read_json.",
    ]
    notes = [f"{m.stage} at scale {m.scale}: {m.note}" for m in results if m.note]
    if notes:
        lines += ["", "Notes: " + "; ".join(notes) + "."]

    lines += ["", "## `build` against the floors", ""]
    lines += [
        "| scale | build (s) | every-programme floor (s, process) | ratio "
        "| Tables 2-8 floor (s) | ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale in scales:
        build, floor, bulletin = (by.get((scale, s)) for s in ("build", FLOOR, BULLETIN))
        if build and floor and bulletin:
            lines.append(
                f"| {scale} | {build.seconds:.1f} | {floor.seconds:.2f} | "
                f"{ratio_cell(build, floor)} | {bulletin.seconds:.2f} | "
                f"{ratio_cell(build, bulletin)} |"
            )

    lines += ["", "## `load` of the PI18 exports against DuckDB's `read_json`", ""]
    lines += [
        "| scale | load pi18/ (s) | MB | read_json floor (s, process) | MB | ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale in scales:
        load, floor = by.get((scale, reader_stage("pi18"))), by.get((scale, READ_JSON))
        if load and floor:
            lines.append(
                f"| {scale} | {load.seconds:.1f} | {load.peak_mb:,.0f} | {floor.seconds:.1f} | "
                f"{floor.peak_mb:,.0f} | {ratio_cell(load, floor)} |"
            )

    lines += ["", "## Peak memory (MB) of `load`, one programme's files", ""]
    lines += [
        "| reader | " + " | ".join(f"scale {k}" for k in scales) + " |",
        "| --- | " + " | ".join("---:" for _ in scales) + " |",
    ]
    for folder, kind in READERS.items():
        cells = [by.get((scale, reader_stage(folder))) for scale in scales]
        lines.append(
            f"| {kind} ({folder}/) | "
            + " | ".join(f"{m.peak_mb:,.0f}" if m else "-" for m in cells)
            + " |"
        )

    plan = Plan.stated_or_largest(scales)
    lines += ["", "## Targets", ""]
    lines += ["| measure | target | measured | met |", "| --- | --- | --- | --- |"]
    for row in targets(results, plan):
        lines.append(f"| {row.measure} | {row.target} | {row.shown} | {row.verdict} |")
    if 10 in scales and 100 in scales:
        growth = []
        for stage in ROWS:
            low, high = by.get((10, stage)), by.get((100, stage))
            if low and high:
                growth.append((stage, high.seconds / low.seconds))
        worst_stage, worst_ratio = max(growth, key=lambda g: g[1])
        lines.append(
            "| every stage's time, scale 10 -> 100 | grows no faster than linearly (<= 10x) | "
            + ", ".join(f"{s} {r:.1f}x" for s, r in growth)
            + f" | {'met' if worst_ratio <= 10 else 'missed (' + worst_stage + ')'} |"
        )
    lines += scales_note(plan)
    top = max(scales)
    slowest = max(
        (m for m in results if m.scale == top and m.stage in PIPELINE), key=lambda m: m.seconds
    )
    lines += ["", f"Slowest stage at scale {top}: {slowest.stage} ({slowest.seconds:.1f} s)."]
    return "\n".join(lines) + "\n"


def render_comparison(
    baseline: str, base: str, head: str, sides: list[Side], plan: Plan, repeats: int
) -> str:
    """The side-by-side section: ``baseline`` as given, ``base`` and ``head`` as commits."""
    before, after = sides
    rows = {side.name: targets(side.measures, plan) for side in sides}
    runs = {
        side.name: [m.seconds for m in side.measures if (m.scale, m.stage) == (plan.small, "run")]
        for side in sides
    }
    lines = [
        COMPARISON_START,
        "## Before and after, side by side",
        "",
        f"Measured by `benchmarks/benchmark.py --compare {baseline}` on "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M')} UTC: the baseline commit "
        f"`{base}` (a git worktree) and `{head}`, same machine and environment, "
        f"alternately. `run` at scale {plan.small} "
        + (
            f"{repeats} times each (the median; every run: "
            + "; ".join(f"{n} " + ", ".join(f"{s:.1f}" for s in runs[n]) + " s" for n in runs)
            + ")"
            if repeats > 1
            else "once each"
        )
        + f"; at scale {plan.middle} `load` of each programme's files alone and the "
        f"`read_json` floor; at scale {plan.large} every stage, the floors, the "
        "single-programme loads and `run`, once each. The floors are this checkout's, run "
        "against each side's warehouse and seeds, their results checked against that "
        "side's build before their times count.",
        "",
        f"| measure | target | before (`{base}`) | after (`{head}`) | change |",
        "| --- | ---: | --- | --- | ---: |",
    ]
    for old, new in zip(rows[before.name], rows[after.name], strict=True):
        change = f"{new.value / old.value - 1:+.0%}" if old.value and new.value is not None else "-"
        lines.append(
            f"| {old.measure} | {old.target} | {old.shown}: {old.verdict} | "
            f"{new.shown}: {new.verdict} | {change} |"
        )
    lines += scales_note(plan)

    lines += ["", "Every measure of both sides (wall s and peak MB):", ""]
    lines += [
        "| scale | stage | before: s | MB | after: s | MB |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    order = {stage: i for i, stage in enumerate(ROWS)}
    keys = sorted(
        {(m.scale, m.stage) for side in sides for m in side.measures},
        key=lambda key: (key[0], order.get(key[1], len(order))),
    )
    for scale, stage in keys:
        cells = []
        for side in sides:
            found = [m for m in side.measures if (m.scale, m.stage) == (scale, stage)]
            if found:
                seconds = statistics.median(m.seconds for m in found)
                cells.append(f"{seconds:.1f} | {max(m.peak_mb for m in found):,.0f}")
            else:
                cells.append("- | -")
        lines.append(f"| {scale} | {stage} | " + " | ".join(cells) + " |")
    notes = [
        f"{side.name}, {m.stage} at scale {m.scale}: {m.note}"
        for side in sides
        for m in side.measures
        if m.note and m.stage != "run"
    ]
    if notes:
        lines += ["", "Notes: " + "; ".join(notes) + "."]
    for side in sides:
        if side.failures:
            lines += ["", f"**{side.name}: " + "; ".join(side.failures) + ".**"]
    lines.append(COMPARISON_END)
    return "\n".join(lines) + "\n"


# -- side by side ---------------------------------------------------------------------


def short_hash(commit: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", commit],
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()


def compare(
    baseline: str, scales: list[int], scratch: Path, log: Path, repeats: int = 3
) -> tuple[str, bool]:
    """The issue's targets for ``baseline`` (a git worktree) and this checkout, alternately.

    Both run with this environment (same Python and packages), each with its own code
    and project. Returns the side-by-side section and whether every check held.
    """
    plan = Plan(scales[0], scales[min(1, len(scales) - 1)], scales[-1])
    # the commits as they are now (a commit made while this runs must not rename them)
    head, base = short_hash("HEAD"), short_hash(f"{baseline}^{{commit}}")
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=True,
    ).stdout
    head += "-dirty" if changed.strip() else ""  # uncommitted changes measured, as git names them
    old = scratch / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(old), base], cwd=ROOT,
                   check=True, capture_output=True)  # fmt: skip
    sides = [Side("before", old, log), Side("after", ROOT, log)]
    try:
        for attempt in range(repeats):
            for side in sides:
                bench_run(side, plan.small, scratch / f"{side.name}-run-{attempt}")
        if plan.middle != plan.large:
            for side in sides:
                work = scratch / f"{side.name}-readers-{plan.middle}"
                landing = work / "landing"
                side.cli(plan.middle, "demo-data", "demo-data", {"landing": landing},
                         "--scale", str(plan.middle))  # fmt: skip
                bench_readers(side, plan.middle, landing, work)
                shutil.rmtree(work)
        for side in sides:
            work = scratch / f"{side.name}-stages-{plan.large}"
            landing = bench_stages(side, plan.large, work)
            bench_readers(side, plan.large, landing, work)
            shutil.rmtree(work)
        if plan.large != plan.small:
            for side in sides:
                bench_run(side, plan.large, scratch / f"{side.name}-run-{plan.large}")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                       check=False, capture_output=True)  # fmt: skip
    section = render_comparison(baseline, base, head, sides, plan, repeats)
    return section, not any(side.failures for side in sides)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales",
        type=int,
        nargs="+",
        default=list(SCALES),
        help="demo scales (default 1 10 100); with --compare: SMALL [MIDDLE] LARGE",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--scratch", type=Path, default=None, help="scratch folder (default: a temp dir)"
    )
    parser.add_argument(
        "--compare",
        metavar="COMMIT",
        help="only the issue's targets, COMMIT beside this checkout",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="with --compare: runs of `run` each (median)"
    )
    args = parser.parse_args()
    if args.compare and not 1 <= len(args.scales) <= 3:
        parser.error("--compare takes one to three scales: SMALL [MIDDLE] LARGE")
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="pp-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    log = scratch / "benchmark.log"
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    if args.compare:
        print(f"benchmark: {args.compare} beside this checkout; scratch {scratch}; log {log}")
        section, held = compare(args.compare, args.scales, scratch, log, args.repeats)
        if COMPARISON_START in previous:
            before = previous[: previous.index(COMPARISON_START)]
            after = previous[previous.index(COMPARISON_END) + len(COMPARISON_END) + 1 :]
            updated = before + section + after
        elif ANALYSIS_MARKER in previous:
            at = previous.index(ANALYSIS_MARKER)
            updated = previous[:at] + section + "\n" + previous[at:]
        else:
            updated = previous + ("\n" if previous else "") + section
        args.output.write_text(updated, encoding="utf-8")
        print(section)
        print(f"written to {args.output}")
        return 0 if held else 1
    print(f"benchmark: scales {args.scales}; scratch {scratch}; stage output in {log}")
    side = Side("", ROOT, log)
    for scale in args.scales:
        bench_scale(side, scale, scratch)
    measured_part = render(side.measures, args.scales)
    kept = ""
    if COMPARISON_START in previous:  # the side-by-side figures stay until --compare again
        start = previous.index(COMPARISON_START)
        kept = previous[start : previous.index(COMPARISON_END) + len(COMPARISON_END)] + "\n\n"
    analysis = previous[previous.index(ANALYSIS_MARKER) :] if ANALYSIS_MARKER in previous else ""
    args.output.write_text(
        measured_part + "\n" + kept + (analysis or ANALYSIS_MARKER + "\n"), encoding="utf-8"
    )
    print()
    print(measured_part)
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
