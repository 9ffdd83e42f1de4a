"""The whole pipeline on a user's own extracts, written by hand (not by the generator).

One `run --landing DIR --db PATH` with a key of the user's own goes through every
stage and exits 0: loaded, built in user mode (no comparison with the bulletin),
validated against user-mode guards, regressed (small models flagged, no warning
printed), reported (no bulletin comparison, nothing below the minimum cell size
anywhere) and published.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import re
from pathlib import Path

import duckdb
import openpyxl
import pytest
from disclosure_checks import small_counts
from test_report import parse
from user_extracts import write_user_extracts

from public_protection import cli
from public_protection.report.disclosure import DEFAULT_MINIMUM_N

pytestmark = pytest.mark.dbt

KEY = "the-research-team's-own-secret"


@pytest.fixture(scope="module")
def user_run(tmp_path_factory) -> tuple[Path, str, int]:
    """The hand-written extracts run end to end once: (folder, everything printed, exit code)."""
    root = tmp_path_factory.mktemp("user_run")
    landing = write_user_extracts(root / "my extracts")
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(printed):
        patch.setenv("PUBLIC_PROTECTION_KEY", KEY)
        patch.delenv("PUBLIC_PROTECTION_LANDING", raising=False)
        code = cli.main(["run", "--landing", str(landing), "--db", str(root / "mine.duckdb")])
    return root, printed.getvalue(), code


# The workbooks' extra case whose refs are typed as people type them.
TYPED_REF_CASES = (("DUR", "2016"), ("KEN", "2016"), ("CUM", "2017"))


def keyed(reference: str) -> str:
    """HMAC-SHA256 of the reference under the user's key: how case_key is documented."""
    return hmac.new(KEY.encode(), reference.encode(), hashlib.sha256).hexdigest()


def one(db: Path, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()


def test_every_stage_runs_on_hand_written_extracts(user_run):
    root, printed, code = user_run
    assert code == cli.EXIT_OK, printed[-3000:]
    assert "run complete" in printed
    assert "demo-data: skipped" in printed
    assert not (root / "my extracts" / "manifest.json").exists()  # no demo written
    db = root / "mine.duckdb"
    assert one(db, "select count(*) from raw.source_files where is_demo") == (0,)
    # Built in user mode with the user's key, and it says so.
    assert one(db, "select key_mode, is_bulletin_mode from reporting.rpt_build_info") == (
        "secret",
        False,
    )
    assert "user mode: no comparison with the published bulletin" in " ".join(printed.split())
    # Nothing compares the user's figures with the bulletin's, in the warehouse either.
    assert one(db, "select count(*) from reporting.rpt_published_reconciliation") == (0,)
    assert (root / "public_protection_published.duckdb").is_file()
    with duckdb.connect(str(root / "public_protection_published.duckdb"), read_only=True) as con:
        assert con.execute("select key_mode from reporting.rpt_build_info").fetchone() == (
            "secret",
        )


def test_case_keys_are_the_keyed_hash_of_the_reference(user_run):
    root, _, _ = user_run
    # The trust written in capitals is still Kent, and its case key is the HMAC of
    # the documented input under the user's key, not the demo key or a plain hash.
    reference = "OMI2:OMI2/KEN/9001"
    db = root / "mine.duckdb"
    assert one(db, f"select area from marts.dim_case where case_key = '{keyed(reference)}'") == (
        "Kent",
    )
    # No key in any mart is an unkeyed hash of any reference received.
    with duckdb.connect(str(db), read_only=True) as con:
        references = con.execute(
            "select 'OMI2:' || \"CaseRef\" from raw.omi2_cases "
            "union all select 'Q&I:' || \"Case ID\" from raw.qi_cases"
        ).fetchall()
        keys = {
            row[0]
            for table in ("dim_case", "fct_case_judgement")
            for row in con.execute(f"select distinct case_key from marts.{table}").fetchall()
        }
    unkeyed = {
        digest(text.encode()).hexdigest()
        for (prefixed,) in references
        for text in (prefixed, prefixed.split(":", 1)[1])
        for digest in (hashlib.sha256, hashlib.md5, hashlib.sha1)
    }
    assert len(references) > 400 and len(keys) > 300
    assert not keys & unkeyed


def test_rows_that_cannot_be_right_are_quarantined_and_counted(user_run):
    root, _, _ = user_run
    with duckdb.connect(str(root / "mine.duckdb"), read_only=True) as con:
        steps = dict(
            con.execute(
                "select flow || ' | ' || step, row_count from reporting.rpt_sample_flow"
            ).fetchall()
        )
        typed = [keyed(f"Q&I:QI-{area}-{year}-0999") for area, year in TYPED_REF_CASES]
        harmonised = con.execute(
            "select source_ref from intermediate.int_judgement_rows_screened "
            "where outcome = 'sample' and case_key in (select unnest(?)) order by all",
            [typed],
        ).fetchall()
    assert steps["OMI2 cases | quarantined: unreadable date: DOB (two-digit year)"] == 1
    assert steps["OMI2 cases | quarantined: unreadable date: SentenceDate (not dd/mm/yyyy)"] == 1
    assert (
        steps[
            "Q&I judgements | quarantined: question ref is a date "
            "(Excel turned a ref such as 4.3 into one)"
        ]
        == 3
    )
    # "Q2.2", "2.5 c" and "4,4" were read as the contract's refs, in every workbook.
    assert harmonised == [("2.2",)] * 3 + [("2.5c",)] * 3 + [("4.4",)] * 3


def test_validate_uses_user_mode_guards_and_sets_a_baseline(user_run):
    root, printed, _ = user_run
    db = root / "mine.duckdb"
    assert "none (first validation of this warehouse)" in " ".join(printed.split())
    assert one(db, "select count(distinct run_id) from dq.distribution_baseline") == (1,)
    failed = one(
        db,
        "select count(*) from dq.validation_results where not success and severity = 'critical'",
    )
    assert failed == (0,)
    # The bulletin's figures are not what user data is judged against.
    assert one(db, "select count(*) from dq.validation_results where why like 'bulletin:%'") == (0,)


def test_small_models_are_flagged_and_no_warning_is_printed(user_run):
    root, printed, _ = user_run
    db = root / "mine.duckdb"
    unreliable, total = one(
        db,
        "select count(*) filter (where not is_reliable), count(*) from analysis.regression_models "
        "where model_set = 'bulletin'",
    )
    assert total == 21 and unreliable > 0
    assert one(
        db,
        "select count(*) from analysis.regression_models "
        "where not is_reliable and reliability_note is null",
    ) == (0,)
    assert "Warning:" not in printed and "Traceback" not in printed
    assert one(db, "select count(*) from analysis.regression_vs_bulletin") == (0,)


def test_the_report_is_about_the_users_data_with_no_bulletin_comparison(user_run):
    root, _, _ = user_run
    report = root / "report"
    page = parse(report / "public_protection_report.html")
    text = " ".join(page.text.split())
    # titled by the programmes loaded and their years; the period from the extracts
    assert "The quality of public protection work: OMI2 and Q&I inspections, 2009–2017" in text
    assert re.search(r"fieldwork \w+ 20\d\d to \w+ 20\d\d", text)
    # the bulletin's tables are laid out from these extracts, and say they are not its data
    assert "they are not the bulletin's data, so nothing here is compared with it" in text
    for bulletin_only in (
        "published figures reproduced",
        "figures differ",
        "bulletin says",
        "The bulletin (",
        "Reconciliation with the published bulletin",
    ):
        assert bulletin_only not in text, bulletin_only
    assert "reconciliation-status" not in page.tables
    assert not (report / "csv" / "reconciliation.csv").exists()
    sheets = openpyxl.load_workbook(report / "public_protection_tables.xlsx").sheetnames
    assert "Reconciliation" not in sheets
    assert "Not reliable:" in text  # the flagged models say so under their tables


def test_no_count_below_the_minimum_anywhere_in_the_outputs(user_run):
    root, _, _ = user_run
    disclosed, hidden = small_counts(
        root / "report", DEFAULT_MINIMUM_N, root / "public_protection_aggregate.duckdb"
    )
    assert not disclosed, disclosed[:10]
    assert hidden > 0  # the hand-written data has small groups: the check proves something


def test_a_second_run_compares_with_the_first_and_loads_nothing_twice(user_run):
    root, _, _ = user_run
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(printed):
        patch.setenv("PUBLIC_PROTECTION_KEY", KEY)
        code = cli.main(
            ["run", "--landing", str(root / "my extracts"), "--db", str(root / "mine.duckdb")]
        )
    text = " ".join(printed.getvalue().split())
    assert code == cli.EXIT_OK, text[-2000:]
    assert "loaded 0, replaced 0, unchanged 4 file(s)" in text
    assert "compared with: previous validation" in text
