"""The ``public-protection`` command: parses arguments and calls the modules.

Exit codes: 0 success; 1 a stage failed; 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from public_protection.report.disclosure import DEFAULT_MINIMUM_N
from public_protection.settings import Settings, resolve_settings

EXIT_OK, EXIT_FAILED = 0, 1

console = Console(stderr=True, highlight=False)


class StageFailed(Exception):
    """A stage ran and failed; the message says why."""


@dataclass(frozen=True)
class Stage:
    name: str
    help: str
    run: Callable[[Settings, argparse.Namespace], None]
    in_run: bool = True  # part of `run`


def do_demo_data(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.demo.generate import write_demo

    console.print(f"[bold]demo-data[/] seed {args.seed}, scale {args.scale} -> {settings.landing}")
    with console.status("writing demo extracts"):
        try:
            manifest = write_demo(settings.landing, seed=args.seed, scale=args.scale)
        except (RuntimeError, ValueError) as error:
            raise StageFailed(str(error)) from None
    console.print(
        f"wrote {len(manifest.files)} files: OMI2 {manifest.omi2['rows']:,} rows "
        f"({manifest.omi2['sample']:,} in the sample), Q&I {manifest.qi['rows']:,} cases "
        f"({manifest.qi['sample']:,} in the sample), "
        f"{manifest.qi_judgements['rows']:,} judgement rows; see manifest.json"
    )


def do_calibrate(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.demo.generate import recalibrate

    console.print(f"[bold]calibrate[/] solving the case plan from seed {args.seed}")
    with console.status("solving (about a minute)"):
        path, misses = recalibrate(args.seed)
    if misses:
        raise StageFailed("the solved plan misses:\n  " + "\n  ".join(misses))
    console.print(f"wrote {path}: every published figure reproduced")


def do_load(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.load import LoadFailed, load_landing

    console.print(f"[bold]load[/] {settings.landing} -> {settings.db}")
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
        except LoadFailed as failure:
            raise StageFailed(str(failure)) from None
        except RuntimeError as error:
            raise StageFailed(str(error)) from None
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    table = Table("file", "status", "rows", title="load", title_justify="left")
    for outcome in report.outcomes:
        table.add_row(outcome.file, outcome.status, f"{outcome.rows:,}")
    if report.outcomes:
        console.print(table)
    else:
        console.print(f"[yellow]warning:[/] no extracts found in {settings.landing}")
    console.print(
        f"loaded {report.count('loaded')}, replaced {report.count('replaced')}, "
        f"unchanged {report.count('unchanged')} file(s)"
    )


def require_warehouse(settings: Settings) -> None:
    if not settings.db.exists():
        raise StageFailed(f"no warehouse at {settings.db}: run `public-protection load` first")


def demo_scale(landing: Path) -> int:
    """The --scale the demo extracts in ``landing`` were written with (1 otherwise).

    Demo extracts at scale K hold K times every published count, so the
    reconciliation multiplies published counts by K.
    """
    manifest = landing / "manifest.json"
    if not manifest.is_file():
        return 1
    try:
        return int(json.loads(manifest.read_text(encoding="utf-8")).get("scale", 1))
    except (ValueError, TypeError, AttributeError):
        return 1


def do_build(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.dbt import run_dbt

    require_warehouse(settings)
    console.print(f"[bold]build[/] dbt build against {settings.db}")
    dbt_vars: dict[str, object] = {"bulletin_scale": demo_scale(settings.landing)}
    if getattr(args, "skip_reconciliation", False):
        # For extracts other than the bulletin's: the figures will not match.
        dbt_vars["reconcile_with_bulletin"] = False
    # Every model is rebuilt anyway (none is incremental); --full-refresh also
    # lets a seed whose columns changed reload instead of failing.
    command = ["build", "--full-refresh", "--vars", json.dumps(dbt_vars)]
    try:
        succeeded = run_dbt(command, settings.project_dir, settings.db)
    except RuntimeError as error:
        raise StageFailed(str(error)) from None
    from public_protection.quality.validate import record_dbt_results

    recorded = record_dbt_results(settings.db, settings.project_dir)
    console.print(f"recorded {recorded} dbt test results in dq.dbt_test_results")
    if not succeeded:
        raise StageFailed("dbt build failed (see dbt's output above)")


def do_validate(settings: Settings, args: argparse.Namespace) -> None:
    from public_protection.quality.validate import validate

    require_warehouse(settings)
    console.print(f"[bold]validate[/] Great Expectations suites against {settings.db}")
    with console.status("validating"):
        try:
            report = validate(settings.db, settings.project_dir)
        except RuntimeError as error:
            raise StageFailed(str(error)) from None
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
    console.print(f"Data Docs: {report.data_docs}")
    if report.critical_failures:
        lines = "\n".join(f"  - {describe(o)}" for o in report.critical_failures)
        raise StageFailed(f"critical expectations failed:\n{lines}")


def do_regress(settings: Settings, args: argparse.Namespace) -> None:
    import duckdb

    from public_protection.regression.models import run_regressions, store

    require_warehouse(settings)
    removal = getattr(args, "removal", "lr")
    console.print(f"[bold]regress[/] 21 forward stepwise models, removal by {removal}")
    with console.status("fitting"):
        try:
            results = run_regressions(settings.db, removal=removal)
        except duckdb.Error as error:
            raise StageFailed(f"cannot read the marts ({error}); run build first") from None
        store(settings.db, results)
    models = results["regression_models"]
    table = Table("model", "n", "dropped", "selected (in order)", title="regress")
    for row in models.itertuples():
        table.add_row(
            row.model_id,
            f"{row.n:,}",
            f"{row.n_dropped_listwise:,}",
            row.variables_selected or "(none)",
        )
    console.print(table)
    comparison = results["regression_vs_bulletin"]
    agree = int(comparison["agrees"].sum())
    console.print(
        f"bulletin significance statements reproduced: {agree} of {len(comparison)} "
        "(analysis.regression_vs_bulletin)"
    )
    for row in comparison[~comparison["agrees"]].itertuples():
        expected = "significant" if row.bulletin_significant else "not significant"
        console.print(
            f"[yellow]differs:[/] Q{row.question_id} {row.sample} {row.variable}: "
            f"bulletin says {expected} ({row.source_lines})"
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
    try:
        result = write_report(settings.db, settings.report_dir, minimum_n)
    except ReportInputMissing as missing:
        raise StageFailed(str(missing)) from None
    matched, published = result.reconciled
    console.print(
        f"disclosure control: n < {result.minimum_n} hidden in {result.primary_suppressed} "
        f"cell(s), {result.secondary_suppressed} more to protect them; "
        f"reconciliation {matched} of {published} published figures match"
    )
    console.print(f"report: {result.html}")
    console.print(f"tables: {result.workbook}; {len(result.csvs)} CSVs in {result.csv_folder}")


def do_publish(settings: Settings, args: argparse.Namespace) -> None:
    import duckdb

    from public_protection.dbt import run_dbt
    from public_protection.publish import publish

    require_warehouse(settings)
    target = settings.published
    console.print(f"[bold]publish[/] {settings.db} -> {target}")
    try:
        report = publish(settings.db, target)
    except (RuntimeError, duckdb.Error) as error:
        raise StageFailed(str(error)) from None
    console.print(
        f"published {len(report.tables)} tables ({report.size_bytes / 1e6:.1f} MB): "
        + ", ".join(report.tables)
    )
    # dbt's documentation site (one static page), beside the published file.
    docs = target.parent / "dbt_docs"
    generated = run_dbt(
        ["docs", "generate", "--static", "--target-path", str(docs)],
        settings.project_dir,
        settings.db,
    )
    if not generated:
        raise StageFailed("dbt docs generate failed (see dbt's output above)")
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


def landing_is_empty(settings: Settings) -> bool:
    from public_protection.load import discover

    files, rejected = discover(settings.landing)
    return not files and not rejected


def do_run(settings: Settings, args: argparse.Namespace) -> int:
    """Every stage in order; stop at the first failure."""
    for name, stage in STAGES.items():
        if not stage.in_run:
            continue
        if name == "demo-data" and not landing_is_empty(settings):
            console.print(f"[dim]demo-data: skipped, {settings.landing} already has extracts[/]")
            continue
        try:
            stage.run(settings, args)
        except StageFailed as failure:
            console.print(f"[red bold]{name} failed:[/] {failure}")
            console.print("[red]run stopped; later stages did not run[/]")
            return EXIT_FAILED
    console.print("[green bold]run complete[/]")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        help="restricted warehouse file (default: $PUBLIC_PROTECTION_DB, "
        "else warehouse/public_protection.duckdb)",
    )
    common.add_argument(
        "--published",
        metavar="PATH",
        help="published warehouse file (default: $PUBLIC_PROTECTION_PUBLISHED_DB, else "
        "public_protection_published.duckdb beside the restricted warehouse)",
    )
    common.add_argument(
        "--report-dir",
        metavar="DIR",
        help="report output folder (default: $PUBLIC_PROTECTION_REPORT_DIR, else report/ "
        "beside the restricted warehouse)",
    )
    common.add_argument(
        "--landing",
        metavar="DIR",
        help="landing folder with omi2/ and qi/ (default: $PUBLIC_PROTECTION_LANDING, "
        "else data/landing)",
    )
    parser = argparse.ArgumentParser(
        prog="public-protection",
        description="Build the public protection warehouse (OMI2 vs Q&I).",
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
        help=f"report: suppress cells with n below N (default {DEFAULT_MINIMUM_N})",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for stage in STAGES.values():
        parents = [common]
        if stage.name == "demo-data":
            parents.append(demo)
        if stage.name == "report":
            parents.append(disclosure)
        sub = verbs.add_parser(stage.name, parents=parents, help=stage.help)
        if stage.name == "build":
            sub.add_argument(
                "--skip-reconciliation",
                action="store_true",
                help="do not fail the build when figures differ from the bulletin "
                "(for extracts of other inspections)",
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
    verbs.add_parser(
        "run",
        parents=[common, demo, disclosure],
        help="every stage in order (demo data first if the landing folder is empty)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = resolve_settings(args.db, args.landing, args.published, args.report_dir)
    except FileNotFoundError as error:
        console.print(f"[red]error:[/] {error}")
        return EXIT_FAILED
    if args.verb == "run":
        return do_run(settings, args)
    try:
        STAGES[args.verb].run(settings, args)
    except StageFailed as failure:
        console.print(f"[red bold]{args.verb} failed:[/] {failure}")
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
