"""The ``dq`` schema: its tables (declared in dbt's models/python_outputs/), the
Great Expectations results written into it, and dbt's own test results beside them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from public_protection.catalog import comment_statements, table_spec
from public_protection.quality.results import ValidationReport

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


def ensure_dq(con: duckdb.DuckDBPyConnection) -> None:
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
        ensure_dq(con)
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


def read_run_results(project_dir: Path) -> list[tuple]:
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
    rows = read_run_results(project_dir)
    with duckdb.connect(str(db)) as con:
        con.begin()
        ensure_dq(con)
        if (
            rows
            and not con.execute(
                "select count(*) from dq.dbt_test_results where invocation_id = ?", [rows[0][0]]
            ).fetchone()[0]
        ):
            con.executemany("insert into dq.dbt_test_results values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.commit()
    return len(rows)
