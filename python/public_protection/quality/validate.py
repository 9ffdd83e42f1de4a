"""Run the Great Expectations suites and land their results in ``dq``.

Path chosen: the pandas datasource with in-memory dataframe batches (the SQL
datasource over duckdb_engine fails with current DuckDB and SQLAlchemy).
To keep that scalable, each suite's frame is cut down in DuckDB first: only
the columns its expectations read, and aggregates (per case, per programme)
where the expectation is about a count or a rate; so even at scale 100 no frame
holds more than one row per raw row and a handful of narrow columns.

The warehouse is read read-only; results are written afterwards in one short
read-write transaction. GX applies one set of batch parameters to every
validation definition of a checkpoint, so each suite runs through its own
Checkpoint (with an UpdateDataDocsAction); one run id ties them together.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from public_protection.demo.targets import read_subgroup_cells
from public_protection.quality.suites import (
    CRITICAL,
    Guard,
    agency_change_guard,
    dim_case_guard,
    distribution_guard,
    fct_case_judgement_guard,
    load_bounds,
    omi2_raw_guard,
    qi_judgements_raw_guard,
    qi_raw_guard,
    raw_schema_guard,
    subgroup_guard,
)

# Great Expectations phones home unless told not to (no network here anyway).
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
    data_docs: str = ""

    @property
    def critical_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == CRITICAL]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity != CRITICAL]


def _published_rates() -> dict[tuple[str, int], tuple[int, float]]:
    """The bulletin's all-cases (n, % yes) per programme and question."""
    return {
        (cell.programme, cell.question): (cell.n, cell.pct)
        for cell in read_subgroup_cells()
        if cell.variable == "all" and cell.programme != "All"
    }


def _seed_column(project_dir: Path, seed: str, column: str) -> list[str]:
    with (project_dir / "seeds" / f"{seed}.csv").open(newline="", encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def build_guards(project_dir: Path) -> list[Guard]:
    bounds = load_bounds(project_dir)
    trusts = [t.upper() for t in _seed_column(project_dir, "omi2_trusts", "trust_name")]
    inspections = _seed_column(project_dir, "qi_inspections", "inspection_id")
    return [
        raw_schema_guard(),
        omi2_raw_guard(bounds, trusts),
        qi_raw_guard(bounds, inspections),
        qi_judgements_raw_guard(bounds),
        dim_case_guard(),
        fct_case_judgement_guard(),
        subgroup_guard(),
        agency_change_guard(),
        distribution_guard(bounds, _published_rates()),
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


def run_guards(db: Path, project_dir: Path, docs_root: Path) -> ValidationReport:
    """Validate every guard against ``db`` (read-only); results are returned, not stored."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    guards = build_guards(project_dir)
    frames = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for guard in guards:
            try:
                frames[guard.name] = con.execute(guard.sql).df()
            except duckdb.Error as error:
                raise RuntimeError(
                    f"suite {guard.name}: cannot read {guard.table} ({error}); "
                    "run `public-protection build` first"
                ) from None

    run_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    report = ValidationReport(run_id=str(uuid.uuid4()), run_at=run_at)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(docs_root))
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
        suite = gx.ExpectationSuite(name=guard.name)
        for check in guard.checks:
            expectation = getattr(gxe, check.expectation)(
                **check.kwargs, meta={"severity": check.severity, "why": check.why}
            )
            suite.add_expectation(expectation)
        suite = context.suites.add_or_update(suite)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=guard.name, data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=guard.name,
                validation_definitions=[definition],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
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
    sites = context.get_docs_sites_urls()
    report.data_docs = sites[0]["site_url"] if sites else ""
    return report


def _ensure_dq(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists dq")
    con.execute(RESULTS_DDL)
    con.execute(DBT_RESULTS_DDL)
    con.execute(ALL_CHECKS_VIEW)


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


def validate(db: Path, project_dir: Path) -> ValidationReport:
    """Run every suite, store the results in ``dq``, and write Data Docs beside ``db``."""
    report = run_guards(db, project_dir, docs_root=db.parent)
    store(db, report)
    return report
