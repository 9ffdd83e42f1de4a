"""`dbt build` runs against the landed raw tables, and its source tests can fail."""

from __future__ import annotations

import duckdb
import pytest

from public_protection import cli

pytestmark = pytest.mark.dbt


def test_build_passes_on_landed_extracts_and_fails_on_a_broken_raw_table(landing, db):
    assert cli.main(["load", "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    assert cli.main(["build", "--db", str(db)]) == cli.EXIT_OK

    # Two rows claiming the same file and row number break the source's key test.
    with duckdb.connect(str(db)) as con:
        con.execute("insert into raw.qi_judgements select * from raw.qi_judgements limit 1")
    assert cli.main(["build", "--db", str(db)]) == cli.EXIT_FAILED


def test_run_on_an_empty_landing_runs_what_is_built_and_says_what_is_not(tmp_path, capsys):
    db = tmp_path / "fresh.duckdb"
    code = cli.main(["run", "--db", str(db), "--landing", str(tmp_path / "empty")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_NOT_BUILT
    assert "not built yet: demo-data, validate, regress, report, publish" in err
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        ).fetchall()
    assert [t[0] for t in tables] == [
        "load_log",
        "omi2_cases",
        "qi_cases",
        "qi_judgements",
        "source_files",
    ]
