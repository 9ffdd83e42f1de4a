"""The ``public-protection`` command: parses arguments and calls the modules.

Exit codes: 0 success; 1 a stage failed; 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from public_protection.report.disclosure import DEFAULT_MINIMUM_N
from public_protection.settings import DEFAULT_STORAGE_VERSION, Settings, resolve_settings

if TYPE_CHECKING:
    from public_protection.build_info import BuildInfo

EXIT_OK, EXIT_FAILED = 0, 1

# One BLAS thread (set before numpy is first imported; a user's setting wins):
# the regressions' matrices are small (one row per covariate pattern), and
# `run` fits them while a second process runs the suites, where OpenBLAS's
# spinning threads would take the other core (fitting measured 3.2 s with one
# thread, 6.0 s with the default).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

console = Console(stderr=True, highlight=False)


class StageFailed(Exception):
    """A stage ran and failed; the message says why."""


@dataclass(frozen=True)
class Stage:
    name: str
    help: str
    run: Callable[[Settings, argparse.Namespace], None]
    in_run: bool = True  # part of `run`


def write_demo_summary(landing: Path, seed: int, scale: int) -> str:
    """Write the demo extracts; the line saying what was written (a child's result)."""
    from public_protection.demo.generate import write_demo

    return write_demo(landing, seed=seed, scale=scale).summary()


def do_demo_data(settings: Settings, args: argparse.Namespace, own_process: bool = False) -> None:
    console.print(f"[bold]demo-data[/] seed {args.seed}, scale {args.scale} -> {settings.landing}")
    with console.status("writing demo extracts"):
        try:
            if own_process:
                # `run`: in a process of its own, which gives its memory back as it
                # ends. The generator holds every export (2 GB at scale 100), and Python
                # keeps freed memory, so the build after it in the same process peaked
                # at 4.9 GB.
                spawn = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                    written = pool.submit(
                        write_demo_summary, settings.landing, args.seed, args.scale
                    )
                    summary = written.result()
            else:
                summary = write_demo_summary(settings.landing, args.seed, args.scale)
        except (RuntimeError, ValueError) as error:
            raise StageFailed(str(error)) from None
    console.print(summary)


def do_calibrate(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.demo.generate import recalibrate
    from public_protection.demo.plan import read_plan
    from public_protection.demo.significance import statement_results

    console.print(f"[bold]calibrate[/] solving the case plan from seed {args.seed}")
    started = time.perf_counter()
    with console.status("solving (about a minute)"):
        path, misses, changes = recalibrate(args.seed)
    seconds = time.perf_counter() - started
    if misses:
        raise StageFailed("the solved plan misses:\n  " + "\n  ".join(misses))
    console.print(f"wrote {path} in {seconds:.0f} s: every published figure reproduced")
    for change in changes:
        console.print(
            f"Q{change.question}: {change.changed} answers changed for the significance "
            f"statements ({change.rounds} round(s); targets p < {change.targets[0]} and "
            f"p > {change.targets[1]})"
        )
    results = statement_results(read_plan(path))
    clear = sum(r.clear for r in results)
    agreeing = sum(r.agrees for r in results)
    console.print(
        f"significance statements: {agreeing} of {len(results)} agree, {clear} with room to "
        "spare (significant at p < .01, not significant at p > .10)"
    )
    for r in results:
        s = r.statement
        said = "significant" if s.significant else "not significant"
        mark = "" if r.clear else " [yellow](no room to spare)[/]"
        console.print(
            f"  Q{s.question} {s.sample:<3} {s.variable:<26} {said:<15} "
            f"{r.test} p = {r.p_value:.4f}{mark}"
        )


def do_load(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.load import LandingEmpty, LoadFailed, load_landing

    console.print(f"[bold]load[/] {escape(str(settings.landing))} -> {escape(str(settings.db))}")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("reading", total=None)

        def on_file(name: str) -> None:
            progress.update(task, description=f"reading {name}", advance=1)

        try:
            report = load_landing(settings.db, settings.landing, on_file=on_file)
        except (LoadFailed, LandingEmpty) as failure:
            raise StageFailed(str(failure)) from None
        except RuntimeError as error:
            raise StageFailed(str(error)) from None
    # file names and messages are data: printed as they are, never read as markup
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    table = Table("file", "status", "rows", title="load", title_justify="left")
    for outcome in report.outcomes:
        table.add_row(escape(outcome.file), outcome.status, f"{outcome.rows:,}")
    console.print(table)
    console.print(
        f"loaded {report.count('loaded')}, replaced {report.count('replaced')}, "
        f"unchanged {report.count('unchanged')} file(s)"
    )
    print_landed_mode(settings)


def print_landed_mode(settings: Settings) -> None:
    """Say which mode `build` will choose for what raw now holds, and whether a key is needed."""
    import duckdb

    from public_protection.settings import ENV_KEY, key_mode

    with duckdb.connect(str(settings.db), read_only=True) as con:
        files, demo = con.execute(
            "select count(*), count(*) filter (where is_demo) from raw.source_files"
        ).fetchone()
    if files and demo == files:
        console.print(f"raw holds {files} demo file(s): `build` compares with the bulletin")
        return
    console.print(
        f"raw holds {files - demo} file(s) that are not demo extracts: `build` makes a report "
        "on your data (user mode), with no comparison with the bulletin unless --bulletin"
    )
    if key_mode(os.environ.get(ENV_KEY)) == "demo":
        console.print(
            f"[yellow]warning:[/] {ENV_KEY} is not set to a secret of your own: `build` will "
            "refuse to key these extracts with the public demo key"
        )


# DuckDB's words when another process holds the file: "... held in <program> (PID n)".
LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def lock_message(db: Path, error: Exception) -> str | None:
    """One line naming the program that holds ``db`` open, if that is the error."""
    held = LOCK_HOLDER.search(str(error))
    if not held:
        return None
    return (
        f"the warehouse {db} is open in another program ({Path(held[1]).name}, PID {held[2]}); "
        "close it and run again (BI tools should open the published file, read-only)"
    )


def require_warehouse(settings: Settings, writes: bool = False) -> None:
    """The warehouse exists and, for a stage that ``writes`` it, no other program holds it.

    Checked before the stage starts, so a held file stops it with one line before
    anything is changed (a publish never replaces its files and then fails).
    """
    import duckdb

    from public_protection.load import leftovers_note, remove_leftovers

    if not settings.db.exists():
        raise StageFailed(f"no warehouse at {settings.db}: run `public-protection load` first")
    try:
        con = duckdb.connect(str(settings.db), read_only=not writes)
    except duckdb.Error as error:
        if not writes:
            return  # a reader finds out itself, and says so in its own words
        raise StageFailed(
            lock_message(settings.db, error) or f"cannot open {settings.db}: {error}"
        ) from None
    with con:
        # Open here, so no load is running: what one left behind was killed with it.
        if removed := remove_leftovers(settings.db):
            console.print(f"[yellow]note:[/] {escape(leftovers_note(removed))}")


def demo_scale(landing: Path) -> int:
    """The --scale the demo extracts in ``landing`` were written with (1 otherwise).

    Demo extracts at scale K hold K times every published count, so the
    reconciliation multiplies published counts by K.
    """
    from public_protection.layout import DEMO_MANIFEST

    manifest = landing / DEMO_MANIFEST
    if not manifest.is_file():
        return 1
    try:
        return int(json.loads(manifest.read_text(encoding="utf-8")).get("scale", 1))
    except (ValueError, TypeError, AttributeError):
        return 1


def bulletin_mode_var(args: argparse.Namespace) -> str:
    """``on``, ``off`` or ``auto`` (on exactly when every loaded file is the demo's)."""
    if getattr(args, "skip_reconciliation", False):
        return "off"
    chosen = getattr(args, "bulletin", None)
    return "auto" if chosen is None else ("on" if chosen else "off")


def do_build(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.dbt import run_dbt

    require_warehouse(settings, writes=True)
    console.print(f"[bold]build[/] dbt build against {settings.db}")
    # Only vars that differ from the project's defaults: dbt re-parses the whole
    # project whenever its vars change, so a plain `dbt build` after this one (or
    # before it) keeps its partial parse.
    dbt_vars: dict[str, object] = {}
    if (scale := demo_scale(settings.landing)) != 1:
        dbt_vars["bulletin_scale"] = scale
    if (mode := bulletin_mode_var(args)) != "auto":
        dbt_vars["bulletin_mode"] = mode
    # Every model is rebuilt anyway (none is incremental); --full-refresh also
    # lets a seed whose columns changed reload instead of failing.
    # Unit tests check the models' logic on fixed inputs, not the data: they run in
    # the test suite (test_dbt_project.py) and in a plain `dbt build`, not here.
    command = ["build", "--full-refresh", "--exclude", "resource_type:unit_test"]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    # A build that stops before running anything leaves the previous run_results.json:
    # remove it first so no other warehouse's results are recorded as this one's.
    (settings.project_dir / "target" / "run_results.json").unlink(missing_ok=True)
    try:
        succeeded = run_dbt(command, settings.project_dir, settings.db)
    except RuntimeError as error:
        raise StageFailed(str(error)) from None
    from public_protection.quality.store import record_dbt_results

    recorded = record_dbt_results(settings.db, settings.project_dir)
    console.print(f"recorded {recorded} dbt test results in dq.dbt_test_results")
    if not succeeded:
        raise StageFailed("dbt build failed (see dbt's output above)")
    # Say which key and which comparison the warehouse was built with.
    console.print(build_info(settings).describe())


def build_info(settings: Settings):
    """The warehouse's build record (``reporting.rpt_build_info``), or the stage fails."""
    from public_protection.build_info import BuildInfoMissing, read_build_info

    try:
        return read_build_info(settings.db)
    except BuildInfoMissing as missing:
        raise StageFailed(str(missing)) from None


def read_guards(settings: Settings, args: argparse.Namespace, build: BuildInfo):
    """The suites' frames, read from the warehouse (validate's first half)."""
    from public_protection.quality.validate import read_guards as read

    console.print(
        f"[bold]validate[/] Great Expectations suites against {settings.db} ({build.mode_label})"
    )
    try:
        return read(settings.db, settings.project_dir, getattr(args, "new_baseline", False))
    except RuntimeError as error:
        raise StageFailed(str(error)) from None


def do_validate(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.quality.validate import check_guards

    require_warehouse(settings, writes=True)
    guards = read_guards(settings, args, build_info(settings))
    with console.status("validating"):
        report = check_guards(guards)
    record_validation(settings, report)


def record_validation(settings: Settings, report) -> None:
    """Store a validation's results, print them, and fail on a critical failure."""
    from public_protection.quality.store import store

    store(settings.db, report)
    table = Table("suite", "table", "checks", "failed", title="validate", title_justify="left")
    for suite in dict.fromkeys(o.suite for o in report.outcomes):
        mine = [o for o in report.outcomes if o.suite == suite]
        failed = sum(not o.success for o in mine)
        table.add_row(suite, mine[0].table, str(len(mine)), str(failed) if failed else "")
    console.print(table)

    def describe(outcome) -> str:
        where = f" on {outcome.column}" if outcome.column else ""
        seen = outcome.observed or (
            f"{outcome.unexpected_count} unexpected of {outcome.element_count}"
            if outcome.unexpected_count is not None
            else "failed"
        )
        why = f" — {outcome.why}" if outcome.why else ""
        return f"{outcome.suite}: {outcome.expectation}{where}: {seen}{why}"

    for outcome in report.warnings:
        console.print(f"[yellow]warning:[/] {describe(outcome)}")
    console.print(
        f"{len(report.outcomes)} expectations, {len(report.critical_failures)} critical "
        f"failure(s), {len(report.warnings)} warning(s); results in dq.validation_results "
        f"(run {report.run_id}); with the dbt tests in dq.all_checks"
    )
    console.print(f"distribution guards compared with: {report.reference}")
    if report.sets_baseline:
        console.print("this validation is the reference for the next (dq.distribution_baseline)")
    if report.critical_failures:
        lines = "\n".join(f"  - {describe(o)}" for o in report.critical_failures)
        raise StageFailed(f"critical expectations failed:\n{lines}")


def fit_regressions(settings: Settings, args: argparse.Namespace, build: BuildInfo) -> dict:
    """Fit the models, reading the warehouse read-only; nothing is stored yet."""
    import duckdb

    from public_protection.regression.models import run_regressions

    try:
        return run_regressions(
            settings.db,
            removal=getattr(args, "removal", "lr"),
            compare_with_bulletin=build.compares_statements,
        )
    except duckdb.Error as error:
        raise StageFailed(f"cannot read the marts ({error}); run build first") from None


def announce_regress(args: argparse.Namespace, build: BuildInfo) -> None:
    removal = getattr(args, "removal", "lr")
    console.print(
        f"[bold]regress[/] forward stepwise models, the bulletin's and the trend's; "
        f"removal by {removal} ({build.mode_label})"
    )


def do_regress(settings: Settings, args: argparse.Namespace) -> None:
    require_warehouse(settings, writes=True)
    build = build_info(settings)
    announce_regress(args, build)
    with console.status("fitting"):
        results = fit_regressions(settings, args, build)
    record_regressions(settings, results, build)


def record_regressions(settings: Settings, results: dict, build: BuildInfo) -> None:
    """Store the fitted models in ``analysis`` and print what they say."""
    from public_protection.regression.models import MIN_EVENTS_PER_PARAMETER, store

    store(settings.db, results)
    models = results["regression_models"]
    table = Table("model", "n", "left out", "selected (in order)", "reliable", title="regress")
    for row in models.itertuples():
        table.add_row(
            row.model_id,
            f"{row.n:,}",
            f"{row.n_dropped_listwise:,}",
            row.variables_selected or "(none)",
            "yes" if row.is_reliable else "[yellow]no[/]",
        )
    console.print(table)
    deleted = models[models["n_dropped_listwise"] > 0]
    if len(deleted):
        share = (deleted["n_dropped_listwise"] / deleted["n_before_listwise_deletion"]).max()
        console.print(
            f"listwise deletion left out cases with a missing value in {len(deleted)} model(s), "
            f"up to {share:.0%} of a sample: which variables, in "
            "analysis.regression_models.listwise_note and the report"
        )
    unreliable = models[~models["is_reliable"]]
    for row in unreliable.itertuples():
        console.print(f"[yellow]not reliable:[/] {row.model_id}: {row.reliability_note}")
    if len(unreliable):
        console.print(
            f"{len(unreliable)} of {len(models)} model(s) flagged not reliable (minimum "
            f"{MIN_EVENTS_PER_PARAMETER} events per parameter; "
            "analysis.regression_models.reliability_note)"
        )
    warned = models[models["fit_warnings"].notna()]
    if len(warned):
        console.print(
            f"{len(warned)} model(s) raised fitting warnings, kept in "
            "analysis.regression_models.fit_warnings"
        )
    comparison = results["regression_vs_bulletin"]
    if build.is_bulletin_mode and not build.compares_statements:
        console.print(
            f"bulletin significance statements not compared: the demo at scale "
            f"{build.bulletin_scale} has {build.bulletin_scale} times the bulletin's cases, so "
            "every test statistic is about that many times larger; they are compared at "
            "scale 1 only (analysis.regression_vs_bulletin is empty)"
        )
    elif build.compares_statements:
        agree = int(comparison["agrees"].sum())
        console.print(
            f"bulletin significance statements reproduced: {agree} of {len(comparison)} "
            "(analysis.regression_vs_bulletin)"
        )
        clear = int(comparison["clear_margin"].sum())
        console.print(
            f"with room to spare (significant at p < .01, not significant at p > .10): "
            f"{clear} of {len(comparison)}"
        )
        for row in comparison[~comparison["clear_margin"]].itertuples():
            expected = "significant" if row.bulletin_significant else "not significant"
            verdict = "close" if row.agrees else "[yellow]differs[/]"
            console.print(
                f"{verdict}: Q{row.question_id} {row.sample} {row.variable}: bulletin says "
                f"{expected} ({row.bulletin_passage}); {row.test} p = {row.p_value:.4f}"
            )
    separated = models[models["separation_warnings"].notna()]
    if len(separated):
        console.print(
            f"separation reported in {len(separated)} model(s): see "
            "analysis.regression_models.separation_warnings"
        )


def do_report(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.report.build import write_report
    from public_protection.report.data import ReportInputMissing

    minimum_n = args.min_n
    if minimum_n < 0:
        raise StageFailed(f"--min-n must be 0 or more, not {minimum_n}")
    require_warehouse(settings)
    console.print(f"[bold]report[/] {settings.db} -> {settings.report_dir}")
    console.print(build_info(settings).describe())
    try:
        result = write_report(settings.db, settings.report_dir, minimum_n)
    except ReportInputMissing as missing:
        raise StageFailed(str(missing)) from None
    if result.reconciled is None:
        comparison = "user mode: no comparison with the bulletin"
    else:
        matched, published = result.reconciled
        comparison = f"reconciliation {matched} of {published} published figures match"
    console.print(
        f"disclosure control: n < {result.minimum_n} hidden in {result.primary_suppressed} "
        f"cell(s), {result.secondary_suppressed} more to protect them; {comparison}"
    )
    console.print(f"report: {result.html}")
    console.print(f"tables: {result.workbook}; {len(result.csvs)} CSVs in {result.csv_folder}")


def do_publish(settings: Settings, args: argparse.Namespace) -> None:
    import duckdb

    from public_protection.dbt import run_dbt
    from public_protection.publish import publish

    require_warehouse(settings, writes=True)
    target, version = settings.published, settings.storage_version
    console.print(
        f"[bold]publish[/] {settings.db} -> {target} and {settings.aggregate.name} "
        f"({build_info(settings).mode_label}; DuckDB storage {version})"
    )
    # dbt's documentation site first: it needs the warehouse, and a failure here
    # must leave the published files as they were. Generated in dbt's own target
    # folder (where its partial parse is kept) and copied beside them below.
    # --no-compile: the SQL shown is as the last `build` compiled it, so the docs
    # cost only dbt's read of the catalog.
    docs_command = ["docs", "generate", "--static", "--no-compile"]
    if not run_dbt(docs_command, settings.project_dir, settings.db):
        raise StageFailed("dbt docs generate failed (see dbt's output above)")
    try:
        report, aggregate = publish(settings.db, target, settings.aggregate, args.min_n, version)
    except (RuntimeError, ValueError, duckdb.Error) as error:
        raise StageFailed(str(error)) from None
    console.print(
        f"analyst file (row-level, approved analysts only): {target.name}, "
        f"{len(report.tables)} tables ({report.size_bytes / 1e6:.1f} MB): "
        + ", ".join(report.tables)
    )
    console.print(f"re-identification risk of its marts: {report.risk.describe()}")
    console.print(
        f"aggregate file (report tables, disclosure control at n < {args.min_n}): "
        f"{settings.aggregate}, {len(aggregate.tables)} tables "
        f"({aggregate.size_bytes / 1e6:.1f} MB)"
    )
    # The one-page site, and what `dbt docs serve --target-path` needs.
    docs = target.parent / "dbt_docs"
    docs.mkdir(exist_ok=True)
    for name in ("static_index.html", "index.html", "manifest.json", "catalog.json"):
        shutil.copyfile(settings.project_dir / "target" / name, docs / name)
    console.print(f"dbt docs: {docs / 'static_index.html'}")


STAGES: dict[str, Stage] = {
    stage.name: stage
    for stage in (
        Stage("demo-data", "write synthetic demo extracts", do_demo_data),
        Stage("load", "land the extracts in the raw schema", do_load),
        Stage("build", "dbt build: staging, marts, reporting, tests", do_build),
        Stage("validate", "Great Expectations suites, results in dq", do_validate),
        Stage("regress", "forward stepwise logistic regressions", do_regress),
        Stage("report", "the bulletin regenerated: HTML, Excel and CSV", do_report),
        Stage("publish", "the published DuckDB file for BI tools", do_publish),
        Stage(
            "calibrate",
            "re-solve the demo case plan (maintainers)",
            do_calibrate,
            in_run=False,
        ),
    )
}


def writes_demo(settings: Settings, args: argparse.Namespace) -> bool:
    """Whether `run` writes the demo extracts first.

    Only when asked (``--demo``), or on the default landing folder when it
    holds no extract yet. A folder the user named is never filled with demo
    data: if it is empty or missing, `load` says so.
    """
    from public_protection.load import discover

    if getattr(args, "demo", False):
        return True
    return settings.landing_is_default and discover(settings.landing).is_empty


def validate_while_fitting(
    settings: Settings, args: argparse.Namespace, checker: Executor
) -> Callable[[Settings, argparse.Namespace], None]:
    """validate, with the regressions fitted meanwhile; returns regress's remaining step.

    Both stages only read the warehouse until they store their results, and
    each keeps a core busy (Great Expectations, statsmodels): the suites' frames
    are read here, checked in ``checker`` (a second process), and the models
    fitted in this one. Results are stored in the stages' own order, so the
    output, the stored results and a failure's effect are those of running them
    one after the other: a critical failure stops the run before the models are stored.
    """
    from public_protection.quality.validate import check_guards

    require_warehouse(settings, writes=True)
    build = build_info(settings)  # one read of the build record serves both stages
    guards = read_guards(settings, args, build)
    checking = checker.submit(check_guards, guards)
    with console.status("validating; fitting the regressions meanwhile"):
        try:
            fitted: dict | StageFailed = fit_regressions(settings, args, build)
        except StageFailed as failure:
            fitted = failure
        report = checking.result()
    record_validation(settings, report)

    def finish_regress(settings: Settings, args: argparse.Namespace) -> None:
        announce_regress(args, build)
        if isinstance(fitted, StageFailed):
            raise fitted
        record_regressions(settings, fitted, build)

    return finish_regress


def do_run(settings: Settings, args: argparse.Namespace) -> int:
    """Every stage in order; stop at the first failure.

    A second process imports Great Expectations (several seconds) while the
    first stages run, mostly on one core, and then runs validate's suites while
    this one fits the regressions. spawn, not fork: a forked copy would inherit
    dbt's and DuckDB's threads.
    """
    from public_protection.quality.validate import import_checker

    checker = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    checker.submit(import_checker)
    next_step: dict[str, Callable[[Settings, argparse.Namespace], None]] = {}
    try:
        for name, stage in STAGES.items():
            if not stage.in_run:
                continue
            if name == "demo-data" and not writes_demo(settings, args):
                console.print(
                    f"[dim]demo-data: skipped, loading the extracts in {settings.landing}[/]"
                )
                continue
            try:
                if name == "validate":
                    next_step["regress"] = validate_while_fitting(settings, args, checker)
                elif name == "demo-data":
                    do_demo_data(settings, args, own_process=True)
                else:
                    next_step.get(name, stage.run)(settings, args)
            except StageFailed as failure:
                console.print(f"[red bold]{name} failed:[/] {escape(str(failure))}")
                console.print("[red]run stopped; later stages did not run[/]")
                return EXIT_FAILED
    finally:
        checker.shutdown(cancel_futures=True)
    console.print("[green bold]run complete[/]")
    return EXIT_OK


# Which paths each verb reads or writes: its --help lists only those.
VERB_PATHS = {
    "demo-data": ("landing",),
    "load": ("db", "landing"),
    "build": ("db", "landing"),
    "validate": ("db",),
    "regress": ("db",),
    "report": ("db", "report_dir"),
    "publish": ("db", "published"),
    "calibrate": (),
    "run": ("db", "landing", "published", "report_dir"),
}


# Each path option: its flag, metavar and help.
PATH_OPTIONS = {
    "db": (
        "--db",
        "PATH",
        "restricted warehouse file (default: $PUBLIC_PROTECTION_DB, "
        "else warehouse/public_protection.duckdb)",
    ),
    "published": (
        "--published",
        "PATH",
        "published analyst file (default: $PUBLIC_PROTECTION_PUBLISHED_DB, else "
        "public_protection_published.duckdb beside the restricted warehouse)",
    ),
    "report_dir": (
        "--report-dir",
        "DIR",
        "report output folder (default: $PUBLIC_PROTECTION_REPORT_DIR, else report/ "
        "beside the restricted warehouse)",
    ),
    "landing": (
        "--landing",
        "DIR",
        "landing folder, a sub-folder per programme as config/landing/ says "
        "(default: $PUBLIC_PROTECTION_LANDING, else data/landing)",
    ),
}


def path_options(names: tuple[str, ...]) -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    for name in names:
        flag, metavar, text = PATH_OPTIONS[name]
        options.add_argument(flag, metavar=metavar, help=text)
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="public-protection",
        description="Build the public protection warehouse from inspection programmes' extracts.",
    )
    demo = argparse.ArgumentParser(add_help=False)
    demo.add_argument("--seed", type=int, default=0, help="demo data seed (default 0)")
    demo.add_argument("--scale", type=int, default=1, help="multiply the demo sample (default 1)")
    disclosure = argparse.ArgumentParser(add_help=False)
    disclosure.add_argument(
        "--min-n",
        type=int,
        default=DEFAULT_MINIMUM_N,
        metavar="N",
        help="report and aggregate file: suppress cells with n below N "
        f"(default {DEFAULT_MINIMUM_N})",
    )
    publishing = argparse.ArgumentParser(add_help=False)
    publishing.add_argument(
        "--aggregate",
        metavar="PATH",
        help="aggregate file for dashboards (default: $PUBLIC_PROTECTION_AGGREGATE_DB, else "
        "public_protection_aggregate.duckdb beside the published file)",
    )
    publishing.add_argument(
        "--storage-version",
        metavar="VERSION",
        help="DuckDB storage version of the published files (default: "
        f"$PUBLIC_PROTECTION_STORAGE_VERSION, else {DEFAULT_STORAGE_VERSION}: read by DuckDB "
        "1.0 and later)",
    )
    mode = argparse.ArgumentParser(add_help=False)
    choice = mode.add_mutually_exclusive_group()
    choice.add_argument(
        "--bulletin",
        dest="bulletin",
        action="store_true",
        default=None,
        help="compare with the published bulletin and fail on any difference (default: on "
        "exactly when every loaded file is the demo's)",
    )
    choice.add_argument(
        "--no-bulletin",
        dest="bulletin",
        action="store_false",
        help="a report on your own extracts: no comparison with the bulletin",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for stage in STAGES.values():
        parents = [path_options(VERB_PATHS[stage.name])]
        if stage.name == "build":
            parents.append(mode)
        if stage.name == "demo-data":
            parents.append(demo)
        if stage.name == "report":
            parents.append(disclosure)
        if stage.name == "publish":
            parents += [disclosure, publishing]
        sub = verbs.add_parser(stage.name, parents=parents, help=stage.help)
        if stage.name == "build":
            sub.add_argument(
                "--skip-reconciliation",
                action="store_true",
                help="the same as --no-bulletin (kept for existing scripts)",
            )
        if stage.name == "validate":
            sub.add_argument(
                "--new-baseline",
                action="store_true",
                help="user mode: accept a deliberate change in the data; this run, if it "
                "passes, becomes the reference for the next",
            )
        if stage.name == "regress":
            sub.add_argument(
                "--removal",
                choices=["lr", "conditional", "wald"],
                default="lr",
                help="removal statistic (SPSS FSTEP(LR), FSTEP(COND), FSTEP(WALD))",
            )
        if stage.name == "calibrate":
            from public_protection.demo.plan import CALIBRATION_SEED

            sub.add_argument("--seed", type=int, default=CALIBRATION_SEED)
    run = verbs.add_parser(
        "run",
        parents=[path_options(VERB_PATHS["run"]), demo, disclosure, mode, publishing],
        help="every stage in order (demo data first only with --demo, or on the default "
        "landing folder while it is empty)",
    )
    run.add_argument(
        "--demo",
        action="store_true",
        help="write the synthetic demo extracts into the landing folder first (refused if "
        "it holds anything else)",
    )
    return parser


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line; an option the verb does not take is named with its usage."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        verbs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        verbs.choices[args.verb].error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        settings = resolve_settings(
            getattr(args, "db", None),
            getattr(args, "landing", None),
            getattr(args, "published", None),
            getattr(args, "report_dir", None),
            getattr(args, "aggregate", None),
            getattr(args, "storage_version", None),
        )
    except FileNotFoundError as error:
        console.print(f"[red]error:[/] {error}")
        return EXIT_FAILED
    if args.verb == "run":
        return do_run(settings, args)
    try:
        STAGES[args.verb].run(settings, args)
    except StageFailed as failure:
        console.print(f"[red bold]{args.verb} failed:[/] {escape(str(failure))}")
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
