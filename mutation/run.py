"""Mutation testing of the modules that guard privacy and correctness (`make mutation`).

For each target, cosmic-ray makes every small change its operators know (a
comparison flipped, a constant changed, a branch removed, ...) to one module,
one at a time, and runs that module's fast tests against it. A mutant the tests
fail on is killed; one they pass on survived, and is either killed by a new test
or listed in ``mutation/results.md`` with the reason it cannot or need not be.

cosmic-ray changes the source files in place while it runs (and puts them back):
run it in a clone of its own, never in a working tree you are editing.

The statistics the warehouse publishes (Wilson interval, two-proportion test,
keyed hash) are SQL macros, which no Python mutation tool changes; they are
pinned by tests/test_statistics.py and test_pseudonymise.py against independent
implementations instead. The Python statistics (stepwise selection) are here.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "mutation" / "results.md"
# One file per target, so targets run in separate clones (in parallel) combine.
OUTCOMES = ROOT / "mutation" / "outcomes"
# Why a surviving mutant is left alive: target, line, operator, reason.
REASONS = ROOT / "mutation" / "survivor_reasons.csv"
PYTEST = f"{sys.executable} -m pytest -x -q -p no:cacheprovider"
COSMIC_RAY = str(Path(sys.executable).parent / "cosmic-ray")


@dataclass(frozen=True)
class Target:
    name: str
    module: str
    tests: str  # pytest arguments: the module's own fast tests


TARGETS = (
    Target("disclosure control", "python/public_protection/report/disclosure.py",
           "python/tests/test_disclosure.py"),
    Target("pseudonymisation", "python/public_protection/dbt_plugin.py",
           "python/tests/test_pseudonymise.py"),
    Target("stepwise statistics", "python/public_protection/regression/stepwise.py",
           "python/tests/test_stepwise.py"),
    # readers.py, measured as one target (outcomes/readers.json), is now one module per
    # format; the next run measures the CSV and workbook readers apart.
    Target("readers-csv", "python/public_protection/readers/csv_files.py",
           "python/tests/test_readers.py -k 'not demo_workbooks'"),
    Target("readers-xlsx", "python/public_protection/readers/xlsx_files.py",
           "python/tests/test_readers.py -k 'not demo_workbooks'"),
    Target("loader", "python/public_protection/load.py", "python/tests/test_load.py"),
)  # fmt: skip


@dataclass
class Outcome:
    target: str  # a Target's name
    mutants: int
    killed: int
    survived: int
    incompetent: int
    seconds: float
    survivors: list[tuple[int, str, str]]  # (line, operator, changed line)

    @property
    def completed(self) -> int:
        return self.killed + self.survived + self.incompetent

    @property
    def score(self) -> float:
        tested = self.killed + self.survived
        return 100.0 * self.killed / tested if tested else 100.0


def write_config(target: Target, folder: Path) -> Path:
    config = folder / f"{Path(target.module).stem}.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{target.module}"\n'
        "timeout = 120.0\n"
        "excluded-modules = []\n"
        f'test-command = "{PYTEST} {target.tests}"\n'
        '[cosmic-ray.distributor]\nname = "local"\n',
        encoding="utf-8",
    )
    return config


def run_target(target: Target, folder: Path) -> Outcome:
    config = write_config(target, folder)
    session = folder / f"{Path(target.module).stem}.sqlite"
    started = time.monotonic()
    for command in (["init", str(config), str(session)], ["exec", str(config), str(session)]):
        subprocess.run([COSMIC_RAY, *command], cwd=ROOT, check=True)
    return outcome_of(target, session, time.monotonic() - started)


def resume_target(target: Target, session: Path, earlier_minutes: float) -> Outcome:
    """Finish an interrupted session, testing its survivors again against today's tests.

    Mutants not yet run are run; survivors are run again, since tests may have been
    added since; killed mutants stay killed (tests are added, not weakened). The
    module itself must be unchanged since the session began.
    """
    import sqlite3

    with sqlite3.connect(session) as db:
        db.execute("delete from work_results where test_outcome = 'SURVIVED'")
    with tempfile.TemporaryDirectory() as folder:
        config = write_config(target, Path(folder))
        started = time.monotonic()
        subprocess.run([COSMIC_RAY, "exec", str(config), str(session)], cwd=ROOT, check=True)
    return outcome_of(target, session, 60 * earlier_minutes + time.monotonic() - started)


def outcome_of(target: Target, session: Path, seconds: float) -> Outcome:
    """Count a cosmic-ray session's results (complete or not)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome

    counts = {outcome: 0 for outcome in TestOutcome}
    survivors = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        mutants = db.num_work_items
        for item, result in db.completed_work_items:
            if result.test_outcome is None:
                continue
            counts[result.test_outcome] += 1
            if result.test_outcome == TestOutcome.SURVIVED:
                mutation = item.mutations[0]
                changed = next(
                    (
                        line[1:].strip()
                        for line in (result.diff or "").splitlines()
                        if line.startswith("+") and not line.startswith("+++")
                    ),
                    "",
                )
                # cosmic-ray names operators "core/Name" in some sessions, "Name" in others.
                operator = mutation.operator_name.rsplit("/", 1)[-1]
                survivors.append((mutation.start_pos[0], operator, changed))
    return Outcome(
        target.name,
        mutants,
        counts[TestOutcome.KILLED],
        counts[TestOutcome.SURVIVED],
        counts[TestOutcome.INCOMPETENT],
        seconds,
        sorted(survivors),
    )


def save(outcome: Outcome) -> None:
    OUTCOMES.mkdir(exist_ok=True)
    name = outcome.target.split()[0]
    (OUTCOMES / f"{name}.json").write_text(
        json.dumps(outcome.__dict__, indent=1) + "\n", encoding="utf-8"
    )


def saved() -> list[Outcome]:
    """Every target's latest outcome, in the order of TARGETS."""
    found = []
    for target in TARGETS:
        path = OUTCOMES / f"{target.name.split()[0]}.json"
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            # Older sessions named operators "core/Name" (see outcome_of).
            data["survivors"] = [
                (line, operator.rsplit("/", 1)[-1], changed)
                for line, operator, changed in data["survivors"]
            ]
            found.append(Outcome(**data))
    return found


def reasons() -> dict[tuple[str, int, str], str]:
    if not REASONS.is_file():
        return {}
    with REASONS.open(newline="", encoding="utf-8") as handle:
        return {
            (row["target"], int(row["line"]), row["operator"]): row["reason"]
            for row in csv.DictReader(handle)
        }


ANNOTATION = (
    "equivalent: inside a type annotation, which `from __future__ import annotations` "
    "never evaluates"
)


def annotation_lines(module: str) -> set[int]:
    """Lines of the module that hold a type annotation (argument, return or variable)."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    lines: set[int] = set()
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            annotations.append(node.returns)
        if isinstance(node, ast.arg) and node.annotation:
            annotations.append(node.annotation)
        if isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for annotation in annotations:
            lines.update(range(annotation.lineno, annotation.end_lineno + 1))
    return lines


def explain(target: Target, line: int, operator: str, why: dict) -> str:
    """Why a survivor is left alive, or a flag that it still needs a test or a reason.

    The `|` of an annotation (``str | None``) mutated into another operator is an
    equivalent mutant here: annotations are strings at run time.
    """
    if operator.startswith("ReplaceBinaryOperator_BitOr_") and line in annotation_lines(
        target.module
    ):
        return ANNOTATION
    return why.get((target.name, line, operator), "**not yet explained or killed**")


def write_results(outcomes: list[Outcome]) -> None:
    modules = {t.name: t.module for t in TARGETS}
    targets = {t.name: t for t in TARGETS}
    why = reasons()
    open_survivors = sum(
        explain(targets[o.target], line, operator.split("/")[-1], why).startswith("**")
        for o in outcomes
        for line, operator, _ in o.survivors
    )
    killed = sum(o.killed for o in outcomes)
    tested = killed + sum(o.survived for o in outcomes)
    missing = [t.name for t in TARGETS if t.name not in {o.target for o in outcomes}]
    lines = [
        "# Mutation testing results",
        "",
        f"Written by `make mutation` on {dt.date.today().isoformat()} (cosmic-ray; "
        "`mutation/run.py` says what is mutated and with which tests). Score = killed / "
        "(killed + survived); incompetent mutants (the module no longer imports) are not "
        "counted. A target stopped before the end shows how many of its mutants ran; "
        "cosmic-ray takes them in random order, so those are a random sample. A target "
        "finished with `--resume` ran in parts: every mutant once, and its survivors again "
        "against the tests added since; its time is the parts' sum (wall clock, on a "
        "machine busy with other work).",
        "",
        f"**Overall: {100.0 * killed / tested if tested else 100:.1f}% "
        f"({killed} of {tested} mutants killed)**"
        + (f"; not run yet: {', '.join(missing)}" if missing else ""),
        "",
        f"Survivors not yet killed or explained: **{open_survivors}** (a survivor is "
        "explained in `mutation/survivor_reasons.csv`, or automatically when it is an "
        "equivalent mutant inside a type annotation).",
        "",
        "| target | module | mutants run | killed | survived | incompetent | score | time |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        run = f"{o.completed}" if o.completed == o.mutants else f"{o.completed} of {o.mutants}"
        lines.append(
            f"| {o.target} | `{modules[o.target]}` | {run} | {o.killed} | "
            f"{o.survived} | {o.incompetent} | {o.score:.1f}% | {o.seconds / 60:.1f} min |"
        )
    lines += ["", "## Surviving mutants", ""]
    for o in outcomes:
        if not o.survivors:
            continue
        lines += [
            f"### {o.target} (`{modules[o.target]}`)",
            "",
            "| line | operator | mutated to | why it survives |",
            "| --- | --- | --- | --- |",
        ]
        for line, operator, changed in o.survivors:
            shown = changed.replace("|", "\\|")[:100]
            name = operator.split("/")[-1]
            reason = explain(targets[o.target], line, name, why)
            lines.append(f"| {line} | {name} | `{shown}` | {reason} |")
        lines.append("")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(names: list[str]) -> int:
    if names[:1] == ["--session"]:  # an interrupted run: --session TARGET FILE MINUTES
        (target,) = [t for t in TARGETS if t.name.split()[0] == names[1]]
        save(outcome_of(target, Path(names[2]), 60 * float(names[3])))
        names = ["--report"]
    if names[:1] == ["--resume"]:  # --resume TARGET FILE MINUTES_ALREADY_SPENT
        (target,) = [t for t in TARGETS if t.name.split()[0] == names[1]]
        save(resume_target(target, Path(names[2]), float(names[3])))
        names = ["--report"]
    if names == ["--report"]:  # only rewrite results.md from the saved outcomes
        write_results(saved())
        print(f"wrote {RESULTS}")
        return 0
    targets = [t for t in TARGETS if not names or t.name.split()[0] in names]
    with tempfile.TemporaryDirectory() as folder:
        for target in targets:
            print(f"mutation: {target.name} ({target.module})", flush=True)
            outcome = run_target(target, Path(folder))
            save(outcome)
            print(f"  score {outcome.score:.1f}% in {outcome.seconds / 60:.1f} min", flush=True)
    write_results(saved())
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
