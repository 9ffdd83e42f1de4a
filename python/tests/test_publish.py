"""`publish`: the BI file holds the published schemas only, no personal data, atomically."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from conftest import copy_of

from public_protection import cli
from public_protection.categories import AREAS

pytestmark = pytest.mark.dbt


def seed_words(seed: str, *columns: str) -> set[str]:
    path = Path(__file__).resolve().parents[2] / "seeds" / f"{seed}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return {row[c] for row in csv.DictReader(handle) for c in columns if row[c]}


@pytest.fixture(scope="module")
def published(regressed_warehouse, tmp_path_factory):
    """Built once for the module; a test that changes them works on copies."""
    folder = tmp_path_factory.mktemp("published")
    db = copy_of(regressed_warehouse, folder)
    target = folder / "published.duckdb"
    assert cli.main(["publish", "--db", str(db), "--published", str(target)]) == cli.EXIT_OK
    return db, target


def dim_case_rows(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select count(*) from marts.dim_case").fetchone()[0]


def test_only_marts_reporting_analysis_and_dq_are_published_with_comments(published):
    db, target = published
    with duckdb.connect(str(target), read_only=True) as con:
        schemas = {
            r[0]
            for r in con.execute(
                "select distinct schema_name from duckdb_tables() where database_name = "
                "current_database()"
            ).fetchall()
        }
        comment = con.execute(
            "select comment from duckdb_columns() where table_name = 'dim_case' "
            "and column_name = 'responsible_agency'"
        ).fetchone()[0]
        functions = con.execute(
            "select count(*) from duckdb_functions() where function_name = 'pp_hmac_sha256'"
        ).fetchone()[0]
        cases = con.execute("select count(*) from marts.dim_case").fetchone()[0]
    assert schemas == {"marts", "reporting", "analysis", "dq"}
    assert "NPS or CRC" in comment
    assert functions == 0  # the keyed-hash macro stays in the restricted file
    assert cases == dim_case_rows(db) > 8000  # every programme's cases, PI18's included
    # dbt's documentation is kept beside the published file.
    assert (target.parent / "dbt_docs" / "static_index.html").stat().st_size > 10_000


def test_no_personal_value_reaches_the_published_file(published):
    db, target = published
    with duckdb.connect(str(db), read_only=True) as con:
        omi2 = con.execute('select "CRN", "Forename", "Surname" from raw.omi2_cases').fetchall()
        qi = con.execute('select "CRN", "Service user name" from raw.qi_cases').fetchall()
    personal = {crn for crn, *_ in omi2} | {crn for crn, _ in qi}
    personal |= {f"{f} {s}" for _, f, s in omi2} | {name for _, name in qi}
    # Single names too, except those that are also the warehouse's own words (the
    # surname "Kent" and the area Kent, "White" and the ethnic group): not people.
    vocabulary = set(AREAS) | seed_words("code_lists", "label", "harmonised")
    vocabulary |= seed_words("subgroup_categories", "category")
    personal |= ({f for _, f, _ in omi2} | {s for _, _, s in omi2}) - vocabulary
    aggregate = target.parent / "public_protection_aggregate.duckdb"
    for path in (target, aggregate):
        with duckdb.connect(str(path), read_only=True) as con:
            columns = con.execute(
                "select schema_name, table_name, column_name from duckdb_columns() "
                "where data_type = 'VARCHAR' and database_name = current_database()"
            ).fetchall()
            assert len(columns) > 20
            for schema, table, column in columns:
                values = con.execute(f'select distinct "{column}" from {schema}.{table}').fetchall()
                leaked = personal & {v[0] for v in values}
                assert not leaked, (path.name, schema, table, column, sorted(leaked)[:3])


def test_publishing_replaces_the_file_atomically_while_a_reader_holds_the_old_one(
    published, tmp_path
):
    db, target = (copy_of(path, tmp_path) for path in published)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, duckdb
                con = duckdb.connect({str(target)!r}, read_only=True)
                print(con.execute("select count(*) from marts.dim_case").fetchone()[0],
                      flush=True)
                sys.stdin.readline()  # hold the file open until told
                print(con.execute("select count(*) from marts.dim_case").fetchone()[0],
                      flush=True)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    before = dim_case_rows(db)
    assert reader.stdout.readline().strip() == str(before)
    # Change the warehouse, publish again while the reader holds the old file.
    with duckdb.connect(str(db)) as con:
        con.execute("delete from marts.fct_case_judgement where case_key in "
                    "(select case_key from marts.dim_case limit 49)")  # fmt: skip
        con.execute("delete from marts.dim_case where case_key in "
                    "(select case_key from marts.dim_case limit 49)")  # fmt: skip
    assert cli.main(["publish", "--db", str(db), "--published", str(target)]) == cli.EXIT_OK
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == str(before)  # undisturbed: the old file
    assert reader.wait(timeout=30) == 0
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_case").fetchone()[0] == before - 49
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_reidentification_measure_counts_cases_alone_on_their_quasi_identifiers():
    from collections import Counter

    from public_protection.publish import QUASI_IDENTIFIERS, measure_risk

    rows = [("I1", "18-24", "Male", "White", "Theft", "Low", "Licence")] * 3
    rows += [("I1", "25-34", "Male", "White", "Theft", "Low", "Licence")]
    rows += [("I2", "25-34", "Female", "Black", "Robbery", "High", "Community")] * 6
    rows += [("I2", "35-49", "Female", "Black", "Robbery", "High", "Community")]
    with duckdb.connect() as con:
        columns = ", ".join(f"{c} varchar" for c in QUASI_IDENTIFIERS)
        con.execute(f"create table cases ({columns})")
        con.executemany(f"insert into cases values ({', '.join('?' * 7)})", rows)
        risk = measure_risk(con, "cases")
    sizes = Counter(rows)
    assert risk.cases == len(rows) == 11
    assert risk.unique_cases == sum(1 for k in sizes.values() if k == 1) == 2
    assert risk.cases_below_5 == sum(k for k in sizes.values() if k < 5) == 5
    assert risk.smallest_group == 1
    assert risk.share_unique == pytest.approx(2 / 11)


def test_an_unknown_storage_version_is_refused_and_the_published_file_kept(published):
    from public_protection.publish import publish

    db, target = published
    aggregate = target.parent / "public_protection_aggregate.duckdb"
    before = {path: path.read_bytes() for path in (target, aggregate)}
    with pytest.raises(ValueError, match=r"cannot write DuckDB storage version 'v0\.0\.1'"):
        publish(db, target, aggregate, 10, "v0.0.1")
    assert {path: path.read_bytes() for path in before} == before
    assert not list(target.parent.glob(".*.tmp"))


def test_the_analyst_file_records_its_reidentification_risk(published):
    _, target = published
    with duckdb.connect(str(target), read_only=True) as con:
        recorded = con.execute(
            "select cases, unique_cases, share_unique from dq.published_reidentification_risk"
        ).fetchone()
        cases = con.execute("select count(*) from marts.dim_case").fetchone()[0]
    assert recorded[0] == cases
    assert 0 < recorded[1] < cases
    assert recorded[2] == pytest.approx(recorded[1] / cases)
