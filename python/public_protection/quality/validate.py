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
read-write transaction. GX applies one set of batch parameters to every
validation definition of a checkpoint, so each suite runs through its own
Checkpoint; one run id ties them together. The context is ephemeral: nothing is
written beside the warehouse. GX's Data Docs are not built: their pages load their
styles and scripts from CDNs, so on the users' closed network they show nothing;
``dq.validation_results`` and the report are the record.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from pandas.api.types import union_categoricals

from public_protection.build_info import BuildInfo, read_build_info
from public_protection.catalog import comment_statements, table_spec
from public_protection.layout import RawTable, read_layouts
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

RESULTS_DDL = """
create table if not exists dq.validation_results (
    run_id varchar not null,
    run_at timestamp not null,
    suite varchar not null,
    guarded_table varchar not null,
    expectation varchar not null,
    column_name varchar,
    severity varchar not null,
    success boolean not null,
    observed_value varchar,
    unexpected_count bigint,
    element_count bigint,
    expectation_kwargs varchar,
    why varchar
)
"""

DBT_RESULTS_DDL = """
create table if not exists dq.dbt_test_results (
    invocation_id varchar not null,
    generated_at timestamp,
    unique_id varchar not null,
    test_name varchar,
    status varchar,
    failures bigint,
    message varchar,
    execution_seconds double
)
"""

# User mode's reference: the distribution metrics of the last validation that
# passed (no critical failure), replaced each time one passes.
BASELINE_DDL = """
create table if not exists dq.distribution_baseline (
    run_id varchar not null,
    run_at timestamp not null,
    metric varchar not null,
    value double
)
"""

# The latest run of each checker: the last `validate` (by its start) and the last
# dbt build recorded (by dbt's time); the tables under it keep every run's rows.
ALL_CHECKS_VIEW = """
create or replace view dq.all_checks as
select
    'great_expectations' as checked_by,
    run_id,
    run_at as checked_at,
    suite || ': ' || expectation || coalesce(' (' || column_name || ')', '') as check_name,
    severity,
    success,
    coalesce(observed_value, unexpected_count::varchar) as detail
from dq.validation_results
where run_id = (
    select run_id from dq.validation_results order by run_at desc, run_id desc limit 1
)
union all
select
    'dbt' as checked_by,
    invocation_id as run_id,
    generated_at as checked_at,
    test_name as check_name,
    'critical' as severity,
    status = 'pass' as success,
    coalesce(message, failures::varchar) as detail
from dq.dbt_test_results
where invocation_id = (
    select invocation_id from dq.dbt_test_results
    order by generated_at desc nulls last, invocation_id desc
    limit 1
)
"""


@dataclass
class Outcome:
    suite: str
    table: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: str | None
    unexpected_count: int | None
    element_count: int | None
    kwargs: dict[str, Any]
    why: str


@dataclass
class ValidationReport:
    run_id: str
    run_at: dt.datetime
    outcomes: list[Outcome] = field(default_factory=list)
    build: BuildInfo | None = None
    reference: str = ""  # what the distribution guards compared with
    metrics: dict[str, float | None] = field(default_factory=dict)

    @property
    def critical_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == CRITICAL]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity != CRITICAL]

    @property
    def sets_baseline(self) -> bool:
        """A passing user-mode run becomes the reference for the next one."""
        return (
            self.build is not None
            and not self.build.is_bulletin_mode
            and not self.critical_failures
        )


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


def _ensure_dq(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists dq")
    con.execute(RESULTS_DDL)
    con.execute(DBT_RESULTS_DDL)
    con.execute(BASELINE_DDL)
    con.execute(ALL_CHECKS_VIEW)
    # Descriptions from the tables' declaration in dbt (catalog.py): BI tools show them.
    for name in ("validation_results", "dbt_test_results", "distribution_baseline", "all_checks"):
        kind = "view" if name == "all_checks" else "table"
        for statement in comment_statements(table_spec("dq", name), kind=kind):
            con.execute(statement)


def store(db: Path, report: ValidationReport) -> None:
    """Append the run's results to ``dq.validation_results``."""
    with duckdb.connect(str(db)) as con:
        con.begin()
        _ensure_dq(con)
        con.executemany(
            "insert into dq.validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    report.run_id,
                    report.run_at,
                    o.suite,
                    o.table,
                    o.expectation,
                    o.column,
                    o.severity,
                    o.success,
                    o.observed,
                    o.unexpected_count,
                    o.element_count,
                    json.dumps(o.kwargs, default=str, sort_keys=True),
                    o.why,
                )
                for o in report.outcomes
            ],
        )
        if report.sets_baseline:
            con.execute("delete from dq.distribution_baseline")
            con.executemany(
                "insert into dq.distribution_baseline values (?, ?, ?, ?)",
                [(report.run_id, report.run_at, k, v) for k, v in sorted(report.metrics.items())],
            )
        con.commit()


def _dbt_results(project_dir: Path) -> list[tuple]:
    """Test results of the last `dbt build` or `dbt test`, from target/run_results.json."""
    path = project_dir / "target" / "run_results.json"
    if not path.is_file():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("args", {}).get("which") not in ("build", "test"):
        return []
    metadata = document.get("metadata", {})
    invocation = metadata.get("invocation_id", "")
    generated = metadata.get("generated_at")
    rows = []
    for result in document.get("results", []):
        unique_id = result.get("unique_id", "")
        if not unique_id.startswith(("test.", "unit_test.")):
            continue
        rows.append(
            (
                invocation,
                generated,
                unique_id,
                unique_id.split(".")[-1] if unique_id.startswith("test.") else unique_id,
                result.get("status"),
                result.get("failures"),
                result.get("message"),
                result.get("execution_time"),
            )
        )
    return rows


def record_dbt_results(db: Path, project_dir: Path) -> int:
    """Store the test results of the dbt build just run on ``db`` in ``dq.dbt_test_results``.

    Called by ``build`` right after dbt finishes (pass or fail), so the results
    are those of this warehouse's build. Returns how many were recorded.
    """
    rows = _dbt_results(project_dir)
    with duckdb.connect(str(db)) as con:
        con.begin()
        _ensure_dq(con)
        if (
            rows
            and not con.execute(
                "select count(*) from dq.dbt_test_results where invocation_id = ?", [rows[0][0]]
            ).fetchone()[0]
        ):
            con.executemany("insert into dq.dbt_test_results values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.commit()
    return len(rows)


def validate(db: Path, project_dir: Path, new_baseline: bool = False) -> ValidationReport:
    """Run every suite and store the results in ``dq``."""
    report = run_guards(db, project_dir, new_baseline=new_baseline)
    store(db, report)
    return report
