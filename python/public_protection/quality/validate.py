"""Run the Great Expectations suites and land their results in ``dq``.

Path chosen: the pandas datasource with in-memory dataframe batches (the SQL
datasource over duckdb_engine fails with current DuckDB and SQLAlchemy).
To keep that scalable, each suite's frame is cut down in DuckDB first: only
the columns its expectations read, and aggregates (per case, per programme)
where the expectation is about a count or a rate; so even at scale 100 no frame
holds more than one row per raw row and a handful of narrow columns.

The warehouse is read read-only (``read_guards``) and the frames checked
without it (``check_guards``), so `run` checks them in a second process while
it fits the regressions; results are written afterwards in one short
read-write transaction (``quality/store.py``). GX applies one set of batch parameters to every
validation definition of a checkpoint, so each suite runs through its own
Checkpoint; one run id ties them together. The context is ephemeral: nothing is
written beside the warehouse. GX's Data Docs are not built: their pages load their
styles and scripts from CDNs, so on the users' closed network they show nothing;
``dq.validation_results`` and the report are the record.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from pandas.api.types import union_categoricals

from public_protection.build_info import read_build_info
from public_protection.layout import RawTable, read_layouts
from public_protection.quality.results import Outcome, ValidationReport
from public_protection.quality.suites import (
    CRITICAL,
    Guard,
    Reference,
    Scope,
    agency_change_guard,
    dim_case_guard,
    distribution_guard,
    fct_case_judgement_guard,
    load_bounds,
    programme_trend_guard,
    raw_codes_guard,
    raw_schema_guard,
    subgroup_guard,
)

# Great Expectations sends usage statistics unless told not to; the warehouse
# holds personal data, so nothing about it leaves the machine.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def read_scope(con: duckdb.DuckDBPyConnection) -> Scope:
    """The programmes, questions and areas the guards range over, from the warehouse."""
    programmes = con.execute(
        "select programme, column_prefix, in_bulletin from seeds.programmes order by sort_order"
    ).fetchall()
    questions: dict[str, list[int]] = {}
    for programme, question in con.execute(
        "select programme, question_id from marts.dim_question_source order by all"
    ).fetchall():
        questions.setdefault(programme, []).append(question)
    areas = con.execute("select area from seeds.areas order by area").fetchall()
    return Scope(
        prefixes={programme: prefix for programme, prefix, _ in programmes},
        bulletin=tuple(programme for programme, _, in_bulletin in programmes if in_bulletin),
        questions={programme: tuple(q) for programme, q in questions.items()},
        areas=tuple(area for (area,) in areas),
    )


def bulletin_reference(con: duckdb.DuckDBPyConnection, scope: Scope) -> Reference:
    """The bulletin's all-cases figures per programme, from the seeds in the warehouse."""
    prefixes = [scope.prefixes[p] for p in scope.bulletin]
    sizes = dict(
        zip(
            scope.bulletin,
            con.execute(
                f"select {', '.join(f'{p}_n' for p in prefixes)} "
                "from seeds.published_area_sample where area = 'Total'"
            ).fetchone(),
            strict=True,
        )
    )
    metrics: dict[str, float] = {}
    notes: dict[str, str] = {}
    figures = ", ".join(f"{p}_n, {p}_pct_yes" for p in prefixes)
    rows = con.execute(
        f"select question_no, {figures} from seeds.published_subgroup_tables where variable = 'all'"
    ).fetchall()
    for question, *values in rows:
        for index, (programme, prefix) in enumerate(zip(scope.bulletin, prefixes, strict=True)):
            n, pct = values[2 * index], values[2 * index + 1]
            rate, share = f"{prefix}_q{question}_yes_rate", f"{prefix}_q{question}_answered_share"
            metrics[rate], metrics[share] = float(pct), n / sizes[programme]
            notes[rate] = f"bulletin: {pct}% of {n}"
            notes[share] = f"bulletin: {n} of {sizes[programme]} cases answered Yes or No"
    return Reference("bulletin", metrics, notes)


def baseline_reference(con: duckdb.DuckDBPyConnection) -> Reference | None:
    """The last passing validation's metrics, or None before the first."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'dq' and table_name = 'distribution_baseline'"
    ).fetchone()[0]
    if not exists:
        return None
    rows = con.execute(
        "select run_id, run_at, metric, value from dq.distribution_baseline"
    ).fetchall()
    if not rows:
        return None
    run_id, run_at = rows[0][0], rows[0][1]
    source = f"previous validation {run_id[:8]} ({run_at:%Y-%m-%d %H:%M})"
    return Reference(source, {metric: value for *_, metric, value in rows if value is not None})


def _seed_rows(project_dir: Path, seed: str) -> list[dict[str, str]]:
    with (project_dir / "seeds" / f"{seed}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def build_guards(
    project_dir: Path, reference: Reference | None, programmes: list[str], scope: Scope
) -> list[Guard]:
    bounds = load_bounds(project_dir)
    tables = read_layouts(project_dir)
    code_lists = _seed_rows(project_dir, "code_lists")
    seeds: dict[str, list[dict[str, str]]] = {}  # each named seed read once, not per check

    def allowed(table: RawTable) -> Callable[[dict], list[str]]:
        def values(check: dict) -> list[str]:
            if "seed" in check:
                seed, column = check["seed"].split(".")
                if seed not in seeds:
                    seeds[seed] = _seed_rows(project_dir, seed)
                return [row[column] for row in seeds[seed]]
            codes = [
                row["code"]
                for row in code_lists
                if row["programme"] == table.programme and row["code_list"] == check["code_list"]
            ]
            if not codes:
                raise ValueError(
                    f"config/landing: {table.name}: no code list {check['code_list']!r} "
                    f"for {table.programme} in seeds/code_lists.csv"
                )
            return codes

        return values

    return [
        raw_schema_guard(tables),
        *(raw_codes_guard(table, bounds, allowed(table)) for table in tables if table.checks),
        dim_case_guard(scope),
        fct_case_judgement_guard(),
        subgroup_guard(),
        agency_change_guard(scope),
        programme_trend_guard(),
        distribution_guard(bounds, reference, programmes, scope),
    ]


def _observed(result: dict[str, Any]) -> str | None:
    if "observed_value" not in result:
        return None
    value = result["observed_value"]
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple | set):
        return f"{len(value)} distinct values"  # never the values themselves
    return str(value)


@dataclass
class GuardBatch:
    """What the suites check, read from the warehouse: no connection is kept.

    Checking it needs nothing but these frames, so ``check_guards`` can run in
    another process while this one goes on using the warehouse.
    """

    report: ValidationReport  # run id, build, reference and metrics; no outcomes yet
    guards: list[Guard]
    frames: dict[str, Any]  # guard name -> its pandas frame


def _read_frame(con: duckdb.DuckDBPyConnection, sql: str, codes: bool) -> pd.DataFrame:
    """A suite's rows; with ``codes``, text columns held as categories, read by chunks.

    A raw suite's columns are codes with a handful of distinct values over every raw
    row (11.4 million PI18 ratings at scale 100): as one Python string per cell they
    were most of ``validate``'s memory. Categories hold each distinct value once, and
    the raw suites' checks (nulls, value sets, numeric ranges) read them as strings.
    """
    result = con.execute(sql)
    if not codes:
        return result.df()

    def as_categories(chunk: pd.DataFrame) -> pd.DataFrame:
        for column in chunk.columns:
            if chunk[column].dtype == object or isinstance(chunk[column].dtype, pd.StringDtype):
                chunk[column] = chunk[column].astype(object).astype("category")
        return chunk

    # 64 vectors of 2,048 rows at a time; the first chunk, even empty, gives the columns
    parts = [as_categories(result.fetch_df_chunk(64))]
    while len(chunk := result.fetch_df_chunk(64)):
        parts.append(as_categories(chunk))
    if len(parts) == 1:
        return parts[0]
    # column by column: concatenating categories that differ would make strings again
    return pd.DataFrame(
        {
            column: (
                union_categoricals([part[column] for part in parts])
                if isinstance(parts[0][column].dtype, pd.CategoricalDtype)
                else pd.concat([part[column] for part in parts], ignore_index=True)
            )
            for column in parts[0].columns
        }
    )


def read_guards(db: Path, project_dir: Path, new_baseline: bool = False) -> GuardBatch:
    """Read every suite's frame from ``db`` (read-only, one short connection).

    The build record decides the distribution guards' reference: the bulletin in
    bulletin mode; in user mode the last passing validation (none with
    ``new_baseline``, which makes this run the reference if it passes).
    """
    build = read_build_info(db)
    frames = {}
    with duckdb.connect(str(db), read_only=True) as con:
        try:
            scope = read_scope(con)
        except duckdb.Error as error:
            raise RuntimeError(
                f"cannot read the reference data ({error}); run `public-protection build` first"
            ) from None
        if build.is_bulletin_mode:
            reference = bulletin_reference(con, scope)
        else:
            reference = None if new_baseline else baseline_reference(con)
        programmes = [
            row[0]
            for row in con.execute(
                "select distinct programme from marts.dim_case order by 1"
            ).fetchall()
        ]
        guards = build_guards(project_dir, reference, programmes, scope)
        for guard in guards:
            try:
                codes = guard.table.startswith("raw.")  # a raw table's codes
                frames[guard.name] = _read_frame(con, guard.sql, codes)
            except duckdb.Error as error:
                raise RuntimeError(
                    f"suite {guard.name}: cannot read {guard.table} ({error}); "
                    "run `public-protection build` first"
                ) from None

    run_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    report = ValidationReport(
        run_id=str(uuid.uuid4()),
        run_at=run_at,
        build=build,
        reference=reference.source if reference else "none (first validation of this warehouse)",
        metrics={
            name: (None if value != value else float(value))  # NaN (no answers) -> None
            for name, value in frames["distribution_guards"].iloc[0].items()
        },
    )
    return GuardBatch(report, guards, frames)


def run_guards(db: Path, project_dir: Path, new_baseline: bool = False) -> ValidationReport:
    """Validate every guard against ``db`` (read-only); results are returned, not stored."""
    return check_guards(read_guards(db, project_dir, new_baseline))


def import_checker() -> None:
    """Import Great Expectations (seconds): `run` does it in its second process early."""
    import great_expectations
    import great_expectations.expectations  # noqa: F401


def check_guards(read: GuardBatch) -> ValidationReport:
    """Run the suites on the batch's frames with Great Expectations.

    Touches no warehouse and writes no file: only the frames, in an ephemeral context.
    """
    import great_expectations as gx
    import great_expectations.expectations as gxe

    report, guards, frames = read.report, read.guards, dict(read.frames)
    run_at = report.run_at
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_or_update_pandas("warehouse")
    for guard in guards:
        try:
            asset = source.get_asset(guard.name)
        except LookupError:
            asset = source.add_dataframe_asset(guard.name)
        try:
            batch = asset.get_batch_definition("whole_frame")
        except KeyError:
            batch = asset.add_batch_definition_whole_dataframe("whole_frame")
        # Given whole: adding one at a time to a suite saved by an earlier run
        # writes the stored suite again after every expectation.
        suite = gx.ExpectationSuite(
            name=guard.name,
            expectations=[
                getattr(gxe, check.expectation)(
                    **check.kwargs, meta={"severity": check.severity, "why": check.why}
                )
                for check in guard.checks
            ],
        )
        suite = context.suites.add_or_update(suite)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=guard.name, data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=guard.name,
                validation_definitions=[definition],
                actions=[],
                result_format={"result_format": "SUMMARY"},
            )
        )
        result = checkpoint.run(
            batch_parameters={"dataframe": frames.pop(guard.name)},
            run_id=gx.core.run_identifier.RunIdentifier(
                run_name=report.run_id, run_time=run_at.replace(tzinfo=dt.UTC)
            ),
        )
        for validation in result.run_results.values():
            for item in validation.results:
                config = item.expectation_config
                kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
                report.outcomes.append(
                    Outcome(
                        suite=guard.name,
                        table=guard.table,
                        expectation=config.type,
                        column=kwargs.get("column"),
                        severity=(config.meta or {}).get("severity", CRITICAL),
                        success=bool(item.success),
                        observed=_observed(item.result),
                        unexpected_count=item.result.get("unexpected_count"),
                        element_count=item.result.get("element_count"),
                        kwargs=kwargs,
                        why=(config.meta or {}).get("why", ""),
                    )
                )
    return report
