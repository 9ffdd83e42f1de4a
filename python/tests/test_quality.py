"""`validate`: the clean demo passes; each way real data goes wrong fails, by name."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from public_protection import cli

pytestmark = pytest.mark.dbt


def corrupted(demo_warehouse: Path, tmp_path: Path, *statements: str) -> Path:
    """A copy of the demo warehouse with the statements applied."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for statement in statements:
            con.execute(statement)
    return copy


def validate(db: Path, capsys) -> tuple[int, str]:
    code = cli.main(["validate", "--db", str(db)])
    return code, capsys.readouterr().err


def results(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select suite, expectation, column_name, severity, success from dq.validation_results"
        ).fetchall()


def test_the_clean_demo_passes_and_lands_its_results_in_dq(demo_warehouse, tmp_path, capsys):
    db = corrupted(demo_warehouse, tmp_path)
    code, err = validate(db, capsys)
    assert code == cli.EXIT_OK, err
    rows = results(db)
    assert len(rows) > 80 and all(r[4] for r in rows)
    assert {r[0] for r in rows} >= {
        "raw_omi2_cases", "raw_qi_cases", "raw_qi_judgements", "marts_dim_case",
        "marts_fct_case_judgement", "reporting_judgement_by_subgroup", "distribution_guards",
    }  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:
        # The build recorded its dbt tests; one view shows both kinds of check.
        checked_by = dict(
            con.execute("select checked_by, count(*) from dq.all_checks group by 1").fetchall()
        )
    assert checked_by["dbt"] > 100 and checked_by["great_expectations"] == len(rows)
    # Nothing beside the warehouse: no Data Docs (their pages load from CDNs, and the
    # users' network is closed), no GX project holding results outside dq.
    assert sorted(p.name for p in db.parent.iterdir() if p.suffix != ".wal") == [db.name]


def test_nothing_offers_great_expectations_data_docs():
    """dq.validation_results and the report are the record: no output points elsewhere."""
    project = cli.resolve_settings(None, None).project_dir
    code = [
        *sorted((project / "models").rglob("*.yml")),
        *sorted((project / "python" / "public_protection").rglob("*.py")),
    ]
    for path in code:
        text = path.read_text(encoding="utf-8").lower()
        for word in ("data_docs", "build_data_docs", "docs_sites", "docs_root", "data docs:"):
            assert word not in text, f"{path.relative_to(project)} mentions {word}"
    # The documents may say why they are not built, but offer no path to them.
    for path in [project / "README.md", *sorted((project / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        assert "data_docs" not in text and "local_site" not in text, path.name


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        pytest.param(
            # The contract's primary key blocks an insert, so rebuild the table the
            # way a broken model would: without the constraint, one case twice.
            [
                "create or replace table marts.dim_case as select * from marts.dim_case "
                "union all (select * from marts.dim_case limit 1)"
            ],
            "marts_dim_case: expect_column_values_to_be_unique on case_key",
            id="duplicate key",
        ),
        pytest.param(
            ["update marts.dim_case set area = 'Atlantis' where rowid = 3"],
            "marts_dim_case: expect_column_values_to_be_in_set on area",
            id="unknown area",
        ),
        pytest.param(
            [
                "update marts.fct_case_judgement set answer = 'Not answered', "
                "is_sufficient = null where question_id = 3"
            ],
            "distribution_guards: expect_column_values_to_be_between on omi2_q3_answered_share",
            id="a question with all answers missing",
        ),
        pytest.param(
            [
                "update marts.fct_case_judgement set answer = 'No', is_sufficient = false "
                "where question_id = 1 and is_sufficient and hash(case_key) % 10 < 3"
            ],
            "distribution_guards: expect_column_values_to_be_between on omi2_q1_yes_rate",
            id="a shifted yes-rate",
        ),
        pytest.param(
            ["delete from marts.fct_case_judgement where question_id = 6 and rowid % 50 = 0"],
            "marts_fct_case_judgement: expect_column_values_to_be_between on questions",
            id="a case missing a question row",
        ),
        pytest.param(
            ["update raw.omi2_cases set \"RoSH\" = 'Z' where rowid % 10 = 0"],
            "raw_omi2_cases: expect_column_values_to_be_in_set on rosh",
            id="raw OMI2 codes changed",
        ),
        pytest.param(
            ["update raw.qi_cases set \"Provider\" = 'Probation Service' where rowid % 20 = 0"],
            "raw_qi_cases: expect_column_values_to_be_in_set on provider",
            id="raw Q&I provider recoded",
        ),
        pytest.param(
            ["update raw.qi_judgements set \"Answer\" = 'Partly' where rowid % 20 = 0"],
            "raw_qi_judgements: expect_column_values_to_be_in_set on answer",
            id="raw Q&I answers recoded",
        ),
        pytest.param(
            ['alter table raw.qi_judgements drop column "Rationale"'],
            "raw_columns: expect_column_distinct_values_to_contain_set on qualified_column",
            id="raw column missing",
        ),
        pytest.param(
            [
                "update reporting.rpt_judgement_by_subgroup set ci_low = pct_yes + 1 "
                "where variable = 'gender'"
            ],
            "reporting_judgement_by_subgroup: expect_column_values_to_be_in_set on "
            "interval_contains_estimate",
            id="interval not containing the estimate",
        ),
        pytest.param(
            [
                "update raw.pi18_ratings set rating = 'Maybe' where rowid % 20 = 0",
            ],
            "raw_pi18_ratings: expect_column_values_to_be_in_set on rating",
            id="raw PI18 ratings recoded",
        ),
        pytest.param(
            [
                "update reporting.rpt_programme_trend set n = n + 5 "
                "where programme = 'PI18' and responsible_agency = 'NPS' and question_id = 2"
            ],
            "reporting_programme_trend: expect_column_values_to_be_in_set on agencies_add_up",
            id="a trend whose agencies do not add up",
        ),
        pytest.param(
            [
                "update reporting.rpt_programme_trend set comparability = null "
                "where programme = 'PI18' and question_id = 3"
            ],
            "reporting_programme_trend: expect_column_values_to_be_in_set on "
            "graded_against_its_baseline",
            id="a trend figure without its comparability grade",
        ),
    ],
)
def test_a_corruption_fails_validate_naming_the_expectation(
    demo_warehouse, tmp_path, capsys, statements, expected
):
    db = corrupted(demo_warehouse, tmp_path, *statements)
    code, err = validate(db, capsys)
    assert code == cli.EXIT_FAILED
    assert "critical expectations failed" in err
    assert expected in " ".join(err.split())
    failed = [r for r in results(db) if not r[4]]
    assert failed and all(r[3] == "critical" for r in failed if r[0] != "distribution_guards")


def test_a_warning_is_recorded_but_does_not_fail(demo_warehouse, tmp_path, capsys):
    # Ethnicity unknown for a tenth of OMI2 cases: above the 5% ceiling, a warning.
    db = corrupted(
        demo_warehouse,
        tmp_path,
        "update marts.dim_case set ethnic_group = null "
        "where programme = 'OMI2' and hash(case_key) % 10 = 0",
    )
    code, err = validate(db, capsys)
    assert code == cli.EXIT_OK
    assert "warning:" in err and "omi2_unknown_ethnicity_share" in " ".join(err.split())
    warned = [r for r in results(db) if not r[4]]
    assert [(r[2], r[3]) for r in warned] == [("omi2_unknown_ethnicity_share", "warning")]


def test_validate_reads_a_warehouse_another_process_holds_read_only(demo_warehouse, tmp_path):
    # A BI tool holding the file read-only: validation reads alongside it.
    db = corrupted(demo_warehouse, tmp_path)
    from public_protection.quality.validate import run_guards

    with duckdb.connect(str(db), read_only=True):
        report = run_guards(db, cli.resolve_settings(None, None).project_dir)
    assert report.outcomes and not report.critical_failures


def overlapped(db: Path, checker) -> object:
    """`run`'s validate step (suites in a second process, models fitted here)."""
    args = cli.parse(["run", "--db", str(db)])
    settings = cli.resolve_settings(db, None)
    return cli.validate_while_fitting(settings, args, checker)


@pytest.fixture(scope="module")
def checker():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def test_run_checks_in_a_second_process_what_validate_checks_in_one(
    demo_warehouse, tmp_path, checker, capsys
):
    db = corrupted(demo_warehouse, tmp_path, "update marts.dim_case set area = 'Atlantis' "
                   "where rowid = 3")  # fmt: skip
    (tmp_path / "one").mkdir()
    reference = corrupted(db, tmp_path / "one")
    assert validate(reference, capsys)[0] == cli.EXIT_FAILED

    with pytest.raises(cli.StageFailed, match="expect_column_values_to_be_in_set on area"):
        overlapped(db, checker)
    # The same outcomes as `validate`, stored; the models fitted meanwhile are not.
    assert sorted(results(db)) == sorted(results(reference))
    with duckdb.connect(str(db), read_only=True) as con:
        assert not con.execute(
            "select count(*) from information_schema.tables where table_schema = 'analysis'"
        ).fetchone()[0]


def test_run_stores_the_models_it_fitted_while_validating(demo_warehouse, tmp_path, checker):
    db = corrupted(demo_warehouse, tmp_path)
    finish_regress = overlapped(db, checker)
    assert results(db) and all(r[4] for r in results(db))
    with duckdb.connect(str(db), read_only=True) as con:
        assert not con.execute(
            "select count(*) from information_schema.tables where table_schema = 'analysis'"
        ).fetchone()[0]  # stored only by regress's own step, in the stages' order
    finish_regress(cli.resolve_settings(db, None), cli.parse(["run", "--db", str(db)]))
    with duckdb.connect(str(db), read_only=True) as con:
        models = con.execute(
            "select model_set, count(*) from analysis.regression_models group by 1 order by 1"
        ).fetchall()
    assert models == [("bulletin", 21), ("trend", 21)]


def test_a_second_build_and_validate_are_counted_once_in_the_checks(demo_warehouse, tmp_path):
    """dq keeps every run; dq.all_checks, and so the report, has the latest of each."""
    from public_protection.report.data import QUERIES

    db, landing = corrupted(demo_warehouse, tmp_path), demo_warehouse.parent / "landing"

    def counts() -> dict[str, tuple[int, int, int]]:
        """Per checker: rows, distinct runs, distinct checks; as the report reads them."""
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute(QUERIES["checks"]).fetchall()
        return {
            checker: (
                sum(r[0] == checker for r in rows),
                len({r[1] for r in rows if r[0] == checker}),
                len({r[3] for r in rows if r[0] == checker}),
            )
            for checker in ("dbt", "great_expectations")
        }

    def history() -> tuple[int, int, int, int]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(
                "select (select count(*) from dq.dbt_test_results),"
                " (select count(distinct invocation_id) from dq.dbt_test_results),"
                " (select count(*) from dq.validation_results),"
                " (select count(distinct run_id) from dq.validation_results)"
            ).fetchone()

    assert cli.main(["validate", "--db", str(db)]) == cli.EXIT_OK
    once, (dbt_rows, builds, ge_rows, runs) = counts(), history()
    assert builds == 1 and runs == 1
    assert once["dbt"] == (dbt_rows, 1, dbt_rows) and dbt_rows > 100
    assert once["great_expectations"][:2] == (ge_rows, 1) and ge_rows > 80
    assert cli.main(["build", "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    assert cli.main(["validate", "--db", str(db)]) == cli.EXIT_OK
    # History is kept, a run id per build and per validation ...
    assert history() == (2 * dbt_rows, 2, 2 * ge_rows, 2)
    # ... but the checks are those of one build and one validation: the latest.
    twice = counts()
    assert twice == once
    with duckdb.connect(str(db), read_only=True) as con:
        latest = con.execute(
            "select (select invocation_id from dq.dbt_test_results order by generated_at desc"
            " limit 1), (select run_id from dq.validation_results order by run_at desc limit 1)"
        ).fetchone()
        shown = con.execute("select distinct run_id from dq.all_checks order by 1").fetchall()
    assert sorted(shown) == sorted((run,) for run in latest)
