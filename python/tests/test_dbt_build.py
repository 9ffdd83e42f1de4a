"""`dbt build` runs against the landed raw tables, and its source tests can fail."""

from __future__ import annotations

import json

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


def test_run_on_an_empty_landing_writes_the_demo_then_runs_what_is_built(tmp_path, capsys):
    db = tmp_path / "fresh.duckdb"
    landing = tmp_path / "empty"
    code = cli.main(["run", "--db", str(db), "--landing", str(landing)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_NOT_BUILT
    assert "not built yet: validate, regress, report, publish" in err
    manifest = json.loads((landing / "manifest.json").read_text())
    with duckdb.connect(str(db), read_only=True) as con:
        omi2_rows = con.execute("select count(*) from raw.omi2_cases").fetchone()[0]
        qi_rows = con.execute("select count(*) from raw.qi_cases").fetchone()[0]
    assert omi2_rows == manifest["omi2_rows"]["rows"]
    assert qi_rows == manifest["qi_case_rows"]["rows"]
