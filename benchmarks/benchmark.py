"""How the pipeline's cost grows with the data, against a hand-written floor.

For each scale K (default 1, 10, 100) of the demo extracts, on a fresh
warehouse in a scratch folder, this runs every stage as its own process:

    demo-data --scale K, load, floor, build, validate, regress, report, publish

and then, on another fresh folder, `run` end to end. Each is timed (wall clock)
and its peak memory taken from the kernel (``wait4``: the largest resident set
of the process or of any process it started, such as dbt). The floor is
``floor_judgement_by_subgroup.sql``: reporting.rpt_judgement_by_subgroup in one
DuckDB query straight from the raw tables; its result is checked against the
dbt model's before its time counts.

    .venv/bin/python benchmarks/benchmark.py [--scales 1 10 100] [--output FILE]

It prints the table and writes ``benchmarks/results.md`` (measured part only:
the hand-written analysis below the ``<!-- analysis -->`` marker is kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

try:
    from public_protection.cli import VERB_PATHS
except ImportError:  # an older commit's CLI, measured side by side: every verb took both
    VERB_PATHS = {}

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "public-protection"
FLOOR_SQL = ROOT / "benchmarks" / "floor_judgement_by_subgroup.sql"
RESULTS = ROOT / "benchmarks" / "results.md"
ANALYSIS_MARKER = "<!-- analysis: hand-written, kept when the tables are regenerated -->"
STAGES = ("demo-data", "load", "floor", "build", "validate", "regress", "report", "publish")
TARGET_RUN_SCALE_1_S = 60.0
TARGET_BUILD_OVER_FLOOR = 3.0
TARGET_PEAK_MB = 4096.0

# The floor as its own process: connect read-only, run the script, time the query.
FLOOR_PROGRAM = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("set enable_progress_bar = false")
sql = open(sys.argv[2], encoding="utf-8").read()
started = time.perf_counter()
rows = con.sql(sql).fetchall()
print(f"{time.perf_counter() - started:.3f} {len(rows)}")
"""


@dataclass
class Measure:
    scale: int
    stage: str
    seconds: float
    peak_mb: float
    note: str = ""


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


def floor_matches_dbt(db: Path) -> bool:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        floor = con.sql(FLOOR_SQL.read_text(encoding="utf-8")).fetchall()
        model = con.sql(
            "select question_id, variable, category, programme, n, n_yes "
            "from reporting.rpt_judgement_by_subgroup"
            # the bulletin's view of the table: its programmes (and All) on its questions
            " where question_id in (select question_id from marts.dim_question"
            " where is_in_bulletin) and (programme = 'All' or programme in"
            " (select programme from marts.dim_programme where in_bulletin))"
        ).fetchall()
    return sorted(r[:6] for r in floor) == sorted(model)


def bench_scale(scale: int, scratch: Path, log: Path) -> list[Measure]:
    work = scratch / f"scale-{scale}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db, landing = work / "warehouse" / "public_protection.duckdb", work / "landing"
    paths = {"db": ["--db", str(db)], "landing": ["--landing", str(landing)]}
    results: list[Measure] = []
    for stage in STAGES:
        # Each verb takes the paths it uses (the others are refused).
        taken = VERB_PATHS.get(stage, ("db", "landing"))
        common = [a for name in taken for a in paths.get(name, [])]
        if stage == "floor":
            command = [sys.executable, "-c", FLOOR_PROGRAM, str(db), str(FLOOR_SQL)]
        elif stage == "demo-data":
            command = [str(CLI), stage, *common, "--scale", str(scale)]
        else:
            command = [str(CLI), stage, *common]
        # this checkout's code and project, whichever package the environment installed
        seconds, peak, output = measured(command, ROOT, log, env=project_env(ROOT))
        note = ""
        if stage == "floor":
            query_seconds = float(output.split()[-2])
            note = f"query {query_seconds:.2f} s"
        results.append(Measure(scale, stage, seconds, peak, note))
        print(f"  scale {scale:>3} {stage:<10} {seconds:8.1f} s {peak:8.0f} MB {note}", flush=True)
    matches = floor_matches_dbt(db)
    results[STAGES.index("floor")].note += "; result = dbt's" if matches else "; DIFFERS"
    if not matches:
        raise SystemExit("the floor's result differs from rpt_judgement_by_subgroup")
    shutil.rmtree(work)

    # `run` end to end on another fresh folder (writes the demo first).
    work.mkdir(parents=True)
    command = [str(CLI), "run", "--demo", "--db", str(db), "--landing", str(landing)]
    seconds, peak, _ = measured([*command, "--scale", str(scale)], ROOT, log, env=project_env(ROOT))
    results.append(Measure(scale, "run", seconds, peak, "end to end, demo-data included"))
    print(f"  scale {scale:>3} {'run':<10} {seconds:8.1f} s {peak:8.0f} MB", flush=True)
    shutil.rmtree(work)
    return results


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


def render(results: list[Measure], scales: list[int]) -> str:
    by = {(m.scale, m.stage): m for m in results}
    lines = ["# Benchmark results", "", "Measured by `benchmarks/benchmark.py`.", ""]
    lines += machine()
    lines += ["", "## Wall time (s) and peak memory (MB) per stage", ""]
    header = "| stage | " + " | ".join(f"scale {k}: s | MB" for k in scales) + " |"
    lines += [header, "| --- | " + " | ".join("---: | ---:" for _ in scales) + " |"]
    for stage in (*STAGES, "run"):
        cells = []
        for scale in scales:
            m = by.get((scale, stage))
            cells.append(f"{m.seconds:.1f} | {m.peak_mb:,.0f}" if m else "- | -")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    notes = [f"{m.stage} at scale {m.scale}: {m.note}" for m in results if m.note]
    if notes:
        lines += ["", "Notes: " + "; ".join(notes) + "."]

    lines += ["", "## dbt build against the floor", ""]
    lines += [
        "| scale | dbt build (s) | floor (s, process) | ratio |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for scale in scales:
        build, floor = by.get((scale, "build")), by.get((scale, "floor"))
        if build and floor:
            lines.append(
                f"| {scale} | {build.seconds:.1f} | {floor.seconds:.2f} | "
                f"{build.seconds / floor.seconds:.1f}x |"
            )

    lines += ["", "## Targets", ""]
    lines += ["| target | measured | met |", "| --- | --- | --- |"]
    run_1 = by.get((1, "run"))
    if run_1:
        lines.append(
            f"| scale 1 `run` end to end < {TARGET_RUN_SCALE_1_S:.0f} s (warm install) | "
            f"{run_1.seconds:.1f} s | {'yes' if run_1.seconds < TARGET_RUN_SCALE_1_S else 'no'} |"
        )
    top = max(scales)
    build, floor = by.get((top, "build")), by.get((top, "floor"))
    if build and floor:
        ratio = build.seconds / floor.seconds
        lines.append(
            f"| dbt build within {TARGET_BUILD_OVER_FLOOR:.0f}x the floor at scale {top} | "
            f"{ratio:.1f}x | {'yes' if ratio <= TARGET_BUILD_OVER_FLOOR else 'no'} |"
        )
    peaks = [m for m in results if m.scale == top]
    if peaks:
        worst = max(peaks, key=lambda m: m.peak_mb)
        lines.append(
            f"| no stage above {TARGET_PEAK_MB / 1024:.0f} GB peak at scale {top} | "
            f"largest: {worst.stage} {worst.peak_mb:,.0f} MB | "
            f"{'yes' if worst.peak_mb <= TARGET_PEAK_MB else 'no'} |"
        )
    if 10 in scales and 100 in scales:
        growth = []
        for stage in (*STAGES, "run"):
            low, high = by.get((10, stage)), by.get((100, stage))
            if low and high:
                growth.append((stage, high.seconds / low.seconds))
        worst_stage, worst_ratio = max(growth, key=lambda g: g[1])
        lines.append(
            "| every stage's time grows no faster than linearly, scale 10 to 100 (<= 10x) | "
            + ", ".join(f"{s} {r:.1f}x" for s, r in growth)
            + f" | {'yes' if worst_ratio <= 10 else 'no (' + worst_stage + ')'} |"
        )
    slowest = max(
        (m for m in results if m.scale == top and m.stage != "run"), key=lambda m: m.seconds
    )
    lines += ["", f"Slowest stage at scale {top}: {slowest.stage} ({slowest.seconds:.1f} s)."]
    return "\n".join(lines) + "\n"


COMPARISON_START = "<!-- comparison: written by --compare, kept by the other runs -->"
COMPARISON_END = "<!-- /comparison -->"


# The CLI of whichever checkout PYTHONPATH points at (project_env), in this environment.
CLI_MODULE = [sys.executable, "-m", "public_protection.cli"]


def project_env(project: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(project / "python"),
        "PUBLIC_PROTECTION_PROJECT_DIR": str(project),
    }


def timed(command: list[str], project: Path, log: Path) -> tuple[float, float]:
    """Wall seconds and peak MB of ``command`` run against ``project``'s code."""
    seconds, peak, _ = measured(command, project, log, env=project_env(project))
    return seconds, peak


def compare(baseline: str, scratch: Path, log: Path, repeats: int = 3) -> str:
    """`run` at scale 1 and `build` at scale 100, the baseline commit beside this one.

    The baseline is checked out in a git worktree and run with this environment
    (same Python and packages); the two are measured alternately, so both see the
    machine in the same state. `run` is repeated and the median reported.
    """
    import statistics

    old = scratch / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(old), baseline], cwd=ROOT,
                   check=True, capture_output=True)  # fmt: skip
    projects = {"before": old, "after": ROOT}
    try:
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in projects}
        for attempt in range(repeats):
            for name, project in projects.items():
                work = scratch / f"{name}-run-{attempt}"
                db, landing = work / "w.duckdb", work / "landing"
                command = [*CLI_MODULE, "run", "--demo", "--db", str(db), "--landing",
                           str(landing)]  # fmt: skip
                runs[name].append(timed(command, project, log))
                print(f"  {name:<6} run, scale 1: {runs[name][-1][0]:.1f} s", flush=True)
                shutil.rmtree(work)
        builds: dict[str, tuple[float, float]] = {}
        for name, project in projects.items():
            work = scratch / f"{name}-build-100"
            db, landing = work / "w.duckdb", work / "landing"
            for verb, extra in (("demo-data", ["--scale", "100"]), ("load", ["--db", str(db)])):
                timed([*CLI_MODULE, verb, "--landing", str(landing), *extra], project, log)
            builds[name] = timed(
                [*CLI_MODULE, "build", "--db", str(db), "--landing", str(landing)],
                project,
                log,
            )
            print(f"  {name:<6} build, scale 100: {builds[name][0]:.1f} s", flush=True)
            shutil.rmtree(work)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                       check=False, capture_output=True)  # fmt: skip
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                          capture_output=True, check=True).stdout.strip()  # fmt: skip
    median = {name: statistics.median(s for s, _ in runs[name]) for name in projects}
    peak = {name: max(m for _, m in runs[name]) for name in projects}
    cut = 1 - median["after"] / median["before"]
    lines = [
        COMPARISON_START,
        "## Before and after, side by side",
        "",
        f"Measured by `benchmarks/benchmark.py --compare {baseline}` on "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M')} UTC: the baseline commit "
        f"`{baseline}` (a git worktree) and `{head}`, same machine and environment, "
        f"alternately; `run` {repeats} times each (median; every run: "
        + "; ".join(f"{n} " + ", ".join(f"{s:.1f}" for s, _ in runs[n]) + " s" for n in projects)
        + ").",
        "",
        "| measure | before (s) | after (s) | change | peak MB before | after |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| `run` end to end, scale 1 | {median['before']:.1f} | {median['after']:.1f} | "
        f"{-cut:+.0%} | {peak['before']:,.0f} | {peak['after']:,.0f} |",
        f"| `build`, scale 100 | {builds['before'][0]:.1f} | {builds['after'][0]:.1f} | "
        f"{builds['after'][0] / builds['before'][0] - 1:+.0%} | {builds['before'][1]:,.0f} | "
        f"{builds['after'][1]:,.0f} |",
        "",
        f"`run` at scale 1 takes {abs(cut):.0%} {'less' if cut >= 0 else 'more'} time than "
        f"at `{baseline}`.",
        COMPARISON_END,
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--scratch", type=Path, default=None, help="scratch folder (default: a temp dir)"
    )
    parser.add_argument(
        "--compare",
        metavar="COMMIT",
        help="only `run` at scale 1 and `build` at scale 100, COMMIT beside this one",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="with --compare: runs of `run` each (median)"
    )
    args = parser.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="pp-bench-"))
    log = scratch / "benchmark.log"
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    if args.compare:
        print(f"benchmark: {args.compare} beside this commit; scratch {scratch}; log {log}")
        section = compare(args.compare, scratch, log, args.repeats)
        if COMPARISON_START in previous:
            before = previous[: previous.index(COMPARISON_START)]
            after = previous[previous.index(COMPARISON_END) + len(COMPARISON_END) + 1 :]
            updated = before + section + after
        elif ANALYSIS_MARKER in previous:
            at = previous.index(ANALYSIS_MARKER)
            updated = previous[:at] + section + "\n" + previous[at:]
        else:
            updated = previous + "\n" + section
        args.output.write_text(updated, encoding="utf-8")
        print(section)
        return 0
    print(f"benchmark: scales {args.scales}; scratch {scratch}; stage output in {log}")
    results: list[Measure] = []
    for scale in args.scales:
        results += bench_scale(scale, scratch, log)
    measured_part = render(results, args.scales)
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
