"""BI clients bundle older DuckDB releases: the published files must open in DuckDB 1.x.

An older DuckDB (requirements-compat.lock) is installed in its own environment,
``.venv-compat`` (``make test`` makes it; this test makes it when missing), and
opens the analyst and aggregate files read-only: it lists their tables, sees their
keys and descriptions, and runs the README's example queries with the same
results as the pipeline's own DuckDB.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import copy_of

from public_protection import cli

pytestmark = pytest.mark.dbt

ROOT = Path(__file__).resolve().parents[2]
COMPAT_VENV = ROOT / ".venv-compat"
COMPAT_LOCK = ROOT / "requirements-compat.lock"

# Run by the older DuckDB: what a BI tool would ask of the file.
CLIENT = """
import json, sys
import duckdb
path, queries = sys.argv[1], json.loads(sys.argv[2])
con = duckdb.connect(path, read_only=True)
here = "database_name = current_database()"
print(json.dumps({
    "version": duckdb.__version__,
    "tables": con.execute(
        f"select schema_name || '.' || table_name from duckdb_tables() where {here} order by 1"
    ).fetchall(),
    "keys": con.execute(
        "select schema_name || '.' || table_name, constraint_type, constraint_column_names "
        f"from duckdb_constraints() where {here} and constraint_type <> 'NOT NULL' order by all"
    ).fetchall(),
    "not_null": con.execute(
        f"select count(*) from duckdb_constraints() where {here} and constraint_type = 'NOT NULL'"
    ).fetchone()[0],
    "undescribed": con.execute(
        "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
        f"where {here} and not internal and comment is null "
        "and schema_name not in ('information_schema', 'pg_catalog') order by 1"
    ).fetchall(),
    "results": [con.execute(query).fetchall() for query in queries],
}, default=str))
"""


def compat_python() -> Path:
    """The older DuckDB's interpreter, installed from its hashed lock if missing."""
    python = COMPAT_VENV / "bin" / "python"
    stamp = COMPAT_VENV / ".installed"
    if not stamp.is_file() or stamp.stat().st_mtime < COMPAT_LOCK.stat().st_mtime:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(COMPAT_VENV)], check=True)
        subprocess.run(
            [str(COMPAT_VENV / "bin" / "pip"), "install", "--quiet", "--no-deps",
             "--require-hashes", "-r", str(COMPAT_LOCK)],
            check=True,
        )  # fmt: skip
        stamp.touch()
    return python


def readme_queries(block: int = 0) -> list[str]:
    """The example queries of the README's section on BI tools: the first SQL block's
    are over the analyst file, the second's over the aggregate file."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Connecting a BI tool", 1)[1].split("\n## ", 1)[0]
    sql = re.findall(r"```sql\n(.*?)```", section, re.S)[block]
    return [q.strip() for q in sql.split(";") if q.strip()]


def ask_old_duckdb(path: Path, queries: list[str]) -> dict:
    done = subprocess.run(
        [str(compat_python()), "-c", CLIENT, str(path), json.dumps(queries)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def as_json(rows: list[tuple]) -> list:
    return json.loads(json.dumps([list(r) for r in rows], default=str))


@pytest.fixture(scope="module")
def published_files(regressed_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("compat")
    db = copy_of(regressed_warehouse, folder)
    analyst, aggregate = folder / "analyst.duckdb", folder / "aggregate.duckdb"
    assert (
        cli.main(
            ["publish", "--db", str(db), "--published", str(analyst), "--aggregate", str(aggregate)]
        )
        == cli.EXIT_OK
    )
    return analyst, aggregate, db


def test_duckdb_1_1_opens_the_analyst_file_with_its_keys_descriptions_and_readme_queries(
    published_files,
):
    analyst, _, restricted = published_files
    queries = readme_queries()
    assert len(queries) == 6
    seen = ask_old_duckdb(analyst, queries)
    assert seen["version"] == "1.1.3"
    with duckdb.connect(str(analyst), read_only=True) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where database_name = current_database() order by 1"
        ).fetchall()
        expected = [as_json(con.execute(q).fetchall()) for q in queries]
    assert seen["tables"] == as_json(tables)
    assert {"marts.dim_case", "analysis.regression_models", "dq.all_checks"} <= {
        t for (t,) in seen["tables"]
    }
    keys = {(table, kind): columns for table, kind, columns in seen["keys"]}
    assert keys[("marts.dim_case", "PRIMARY KEY")] == ["case_key"]
    assert keys[("marts.fct_case_judgement", "PRIMARY KEY")] == ["case_key", "question_id"]
    assert keys[("analysis.regression_models", "PRIMARY KEY")] == ["model_id"]
    assert keys[("analysis.regression_terms", "UNIQUE")] == [
        "model_id", "model_kind", "variable", "level"
    ]  # fmt: skip
    with duckdb.connect(str(restricted), read_only=True) as con:
        not_null = con.execute(
            "select count(*) from duckdb_constraints() where constraint_type = 'NOT NULL' "
            "and schema_name in ('marts', 'reporting', 'analysis', 'dq')"
        ).fetchone()[0]
    # Every NOT NULL of the restricted file, and the key columns' implied ones.
    assert seen["not_null"] >= not_null > 0
    assert seen["undescribed"] == []
    # The README's queries give the old client exactly what the pipeline's DuckDB gives.
    assert seen["results"] == expected
    assert all(seen["results"])


def test_duckdb_1_1_opens_the_aggregate_file(published_files):
    _, aggregate, _ = published_files
    query = "select category, all_cases_n, all_cases_pct_yes from report.table_2 order by all"
    (trend,) = readme_queries(1)
    seen = ask_old_duckdb(aggregate, [query, "select minimum_n from report.about", trend])
    with duckdb.connect(str(aggregate), read_only=True) as con:
        expected = as_json(con.execute(query).fetchall())
        trend_rows = as_json(con.execute(trend).fetchall())
    assert seen["results"] == [expected, [[10]], trend_rows]
    assert len(expected) > 10 and len(trend_rows) > 50
    assert seen["undescribed"] == []
    assert {"report.table_1", "report.figure_1", "report.about"} <= {t for (t,) in seen["tables"]}
