"""`dbt build` runs against the landed raw tables, and its source tests can fail."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from public_protection import cli
from public_protection.dbt import run_dbt

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.dbt


def test_build_passes_on_landed_extracts_and_fails_on_a_broken_raw_table(landing, db, secret_key):
    assert cli.main(["load", "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    # Three hand-made cases cannot reproduce the bulletin: reconciliation off.
    build = ["build", "--db", str(db), "--skip-reconciliation"]
    assert cli.main(build) == cli.EXIT_OK

    # Two rows claiming the same file and row number break the source's key test.
    with duckdb.connect(str(db)) as con:
        con.execute("insert into raw.qi_judgements select * from raw.qi_judgements limit 1")
    assert cli.main(build) == cli.EXIT_FAILED


def test_a_raw_table_whose_provenance_could_be_null_fails_the_build(landing, db, secret_key):
    assert cli.main(["load", "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    select = ["--select", "assert_raw_provenance_is_declared_not_null"]
    assert run_dbt(["test", *select], ROOT, db)
    # A raw table made by hand, not by the loader: its provenance could be NULL.
    with duckdb.connect(str(db)) as con:
        con.execute(
            "create table raw.x_cases (a varchar, _source_file varchar, _source_sha256 "
            "varchar not null, _source_row integer not null, _loaded_at timestamp not null)"
        )
    assert not run_dbt(["test", *select], ROOT, db)


def test_run_with_demo_on_an_empty_landing_writes_the_demo_then_every_stage(tmp_path, capsys):
    db = tmp_path / "fresh.duckdb"
    landing = tmp_path / "empty"
    code = cli.main(["run", "--demo", "--db", str(db), "--landing", str(landing)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_OK
    assert "run complete" in err
    # It ends with the report and the published file, beside the warehouse.
    assert (tmp_path / "report" / "public_protection_report.html").is_file()
    assert (tmp_path / "public_protection_published.duckdb").is_file()
    manifest = json.loads((landing / "manifest.json").read_text())
    with duckdb.connect(str(db), read_only=True) as con:

        def one(sql: str):
            return con.execute(sql).fetchone()

        assert one("select count(*) from raw.omi2_cases")[0] == manifest["omi2_rows"]["rows"]
        assert one("select count(*) from raw.qi_cases")[0] == manifest["qi_case_rows"]["rows"]
        # Every published figure reconciles, and there are as many as published.
        assert one(
            "select count(*), count(*) filter (where is_match) "
            "from reporting.rpt_published_reconciliation"
        ) == (829, 829)
        # The sample flow agrees with what the generator says each rule removes.
        flow = dict(
            con.execute(
                "select flow || '|' || step_kind, sum(row_count) "
                "from reporting.rpt_sample_flow group by all"
            ).fetchall()
        )
        omi2, qi = manifest["omi2_rows"], manifest["qi_case_rows"]
        assert flow["OMI2 cases|sample"] == omi2["sample"] == 1815
        assert flow["OMI2 cases|duplicate"] == omi2["identical_duplicates"]
        assert flow["OMI2 cases|quarantined"] == omi2["quarantined"]
        assert flow["OMI2 cases|excluded"] == (
            omi2["excluded_out_of_area_trust"] + omi2["excluded_custody"]
        )
        assert flow["Q&I cases|sample"] == qi["sample"] == 1034
        assert flow["Q&I cases|quarantined"] == qi["quarantined"]
        # No personal value leaves raw: no CRN or surname in any other text column.
        crns = {r[0] for r in con.execute('select "CRN" from raw.omi2_cases').fetchall()}
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema not in ('raw', 'main') and data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            values = con.execute(f'select distinct "{column}" from {schema}.{table}').fetchall()
            assert not crns & {v[0] for v in values}, (schema, table, column)


def test_real_extracts_are_never_keyed_with_the_demo_key(landing, db, monkeypatch, capsys):
    monkeypatch.delenv("PUBLIC_PROTECTION_KEY", raising=False)
    assert cli.main(["load", "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    capsys.readouterr()
    # dbt itself refuses (an on-run-start hook), so `dbt build` by hand refuses too.
    assert cli.main(["build", "--db", str(db)]) == cli.EXIT_FAILED
    with duckdb.connect(str(db), read_only=True) as con:
        built = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()
    assert built == (0,)
    # The demo key given explicitly is still the demo key.
    monkeypatch.setenv("PUBLIC_PROTECTION_KEY", "public-protection-demo-key-not-secret")
    assert cli.main(["build", "--db", str(db)]) == cli.EXIT_FAILED

    monkeypatch.setenv("PUBLIC_PROTECTION_KEY", "a secret of the team's own")
    assert cli.main(["build", "--db", str(db)]) == cli.EXIT_OK
    err = " ".join(capsys.readouterr().err.split())
    assert "user mode: no comparison with the published bulletin" in err
    assert "case keys made with the secret in PUBLIC_PROTECTION_KEY" in err
    with duckdb.connect(str(db), read_only=True) as con:
        info = con.execute(
            "select key_mode, is_bulletin_mode, bulletin_mode_setting from reporting.rpt_build_info"
        ).fetchone()
    assert info == ("secret", False, "auto")
