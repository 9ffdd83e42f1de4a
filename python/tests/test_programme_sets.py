"""Every stage works for any non-empty set of programmes.

For each of the 7 non-empty subsets of {OMI2, Q&I, PI18}, the hand-written extracts
of those programmes only (user_extracts.write_programmes) go through one
`run --landing DIR --db PATH` with a key of the user's own. It exits 0 with no
traceback or warning, printed (by this process or the checker process) or raised;
writes the report, the workbook, the CSVs and both published files; compares
nothing with the bulletin; names exactly the programmes loaded; and prints no count
from 1 to the minimum n - 1 anywhere, while hiding some (the data has small groups).
"""

from __future__ import annotations

import contextlib
import csv
import html
import itertools
import os
import re
import sys
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest
from disclosure_checks import COUNT_COLUMN, small_counts
from test_report import parse
from user_extracts import PROGRAMME_FOLDERS, PROGRAMMES, write_programmes

from public_protection import cli
from public_protection.report.disclosure import DEFAULT_MINIMUM_N, SUPPRESSED

pytestmark = pytest.mark.dbt

KEY = "the-research-team's-own-secret"
SETS = tuple(
    frozenset(chosen)
    for size in range(1, len(PROGRAMMES) + 1)
    for chosen in itertools.combinations(PROGRAMMES, size)
)


def set_name(programmes: frozenset[str]) -> str:
    return "+".join(p for p in PROGRAMMES if p in programmes)


@dataclass
class Run:
    """One `run` on one set of programmes: what it printed, raised and wrote."""

    programmes: frozenset[str]
    root: Path
    code: int | None  # None: cli.main raised
    printed: str  # stdout and stderr, this process's and its child processes'
    raised: list[str]  # Python warnings raised in this process
    error: str | None  # the traceback, if cli.main raised
    seconds: float

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def db(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def report(self) -> Path:
        return self.root / "report"

    @property
    def aggregate(self) -> Path:
        return self.root / "public_protection_aggregate.duckdb"

    @property
    def published(self) -> Path:
        return self.root / "public_protection_published.duckdb"

    def summary(self) -> str:
        """What went wrong, short: the exception's last lines, the failure and warning
        lines printed, the warnings raised."""
        parts = [f"exit code {self.code}"]
        if self.error:
            lines = self.error.strip().splitlines()
            # the product's deepest frames (where it went wrong), then the exception
            product = [
                f"{line.strip()}: {code.strip()}"
                for line, code in itertools.pairwise(lines)
                if "/public_protection/" in line and line.lstrip().startswith("File ")
            ]
            parts += ["raised:", *product[-3:], *lines[-1:]]
        printed = [
            line.strip()
            for line in self.printed.splitlines()
            if re.search(r"failed|Traceback|Warning|Error|stopped|^\s+- ", line)
            and not re.search(r"\b(PASS|START|OK created)\b|^\s*┃", line)
        ]
        if printed:
            parts += ["printed:", *printed[:12]]
        if self.raised:
            parts += ["warnings raised:", *sorted(set(self.raised))[:8]]
        return "\n".join(parts)


@contextlib.contextmanager
def everything_printed(path: Path) -> Iterator[None]:
    """Send stdout and stderr to ``path``: Python's, and the file descriptors' (child
    processes, C libraries), so nothing printed escapes the check."""
    sys.stdout.flush()
    sys.stderr.flush()
    with path.open("w+", encoding="utf-8", buffering=1) as sink:
        saved = os.dup(1), os.dup(2)
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                yield
        finally:
            sink.flush()
            for fd, original in zip((1, 2), saved, strict=True):
                os.dup2(original, fd)
                os.close(original)


@pytest.fixture(scope="module", params=SETS, ids=set_name)
def programme_run(request, tmp_path_factory) -> Run:
    programmes = request.param
    root = tmp_path_factory.mktemp(set_name(programmes).replace("&", ""))
    write_programmes(root / "landing", programmes)
    output = root / "printed.txt"
    code, error = None, None
    started = time.perf_counter()
    with (
        pytest.MonkeyPatch.context() as patch,
        warnings.catch_warnings(record=True) as caught,
        everything_printed(output),
    ):
        warnings.simplefilter("always")
        patch.setenv("PUBLIC_PROTECTION_KEY", KEY)
        for name in ("LANDING", "DB", "PUBLISHED_DB", "AGGREGATE_DB", "REPORT_DIR"):
            patch.delenv(f"PUBLIC_PROTECTION_{name}", raising=False)
        try:
            code = cli.main(
                ["run", "--landing", str(root / "landing"), "--db", str(root / "warehouse.duckdb")]
            )
        except BaseException:  # a crash is a finding, not the end of the other checks
            error = traceback.format_exc()
    seconds = time.perf_counter() - started
    raised = [
        f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
        for w in caught
        if shown_to_a_user(w)
    ]
    printed = output.read_text(encoding="utf-8", errors="replace")
    return Run(programmes, root, code, printed, raised, error, seconds)


# Categories Python's default filters never show: raised inside a library (dbt's
# logger leaves its log file to the garbage collector), they are no message to the
# user. Raised by the product's own code they count like any other.
SILENT_OUTSIDE_THE_PRODUCT = (DeprecationWarning, PendingDeprecationWarning, ResourceWarning)
PRODUCT_CODE = str(Path(cli.__file__).parent)


def shown_to_a_user(caught: warnings.WarningMessage) -> bool:
    """A warning raised in this process that counts: any but the silent categories,
    and those too when the product's code raised them."""
    silent = issubclass(caught.category, SILENT_OUTSIDE_THE_PRODUCT)
    return not silent or str(caught.filename).startswith(PRODUCT_CODE)


def finished(run: Run) -> Run:
    """The run, if it got to the end: the outputs the test reads are there."""
    assert run.error is None and run.code == cli.EXIT_OK, (
        f"the run did not finish, so its outputs cannot be checked\n{run.summary()}"
    )
    return run


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


# --- the extracts -------------------------------------------------------------------


@pytest.mark.parametrize("programmes", SETS, ids=set_name)
def test_only_the_chosen_programmes_extracts_are_written(programmes, tmp_path):
    landing = write_programmes(tmp_path / "landing", programmes)
    assert sorted(p.name for p in landing.iterdir()) == sorted(
        PROGRAMME_FOLDERS[p] for p in programmes
    )
    for programme in programmes:
        files = list((landing / PROGRAMME_FOLDERS[programme]).iterdir())
        assert files, programme
        suffix = {"OMI2": ".csv", "Q&I": ".xlsx", "PI18": ".json"}[programme]
        assert {f.suffix for f in files} == {suffix}
    # The same extract of a programme whichever others are chosen.
    alone = {p: write_programmes(tmp_path / p.replace("&", ""), {p}) for p in programmes}
    for programme, other in alone.items():
        folder = PROGRAMME_FOLDERS[programme]
        if programme != "Q&I":  # workbooks carry the time they were saved
            for path in (landing / folder).iterdir():
                assert path.read_bytes() == (other / folder / path.name).read_bytes()


def test_the_writers_extracts_load_as_written(programme_run):
    """Not the product's failure: every file written is loaded, none rejected, and the
    PI18 exports (no quirks written into them) lose no row to quarantine."""
    run = programme_run
    written = sorted(p.relative_to(run.landing).as_posix() for p in run.landing.rglob("*.*"))
    log = rows(run.db, "select file, status, message from raw.load_log order by file")
    assert [(f, s) for f, s, _ in log] == [(f, "loaded") for f in written], log
    if "PI18" in run.programmes:
        cases = rows(run.db, "select count(*) from raw.pi18_cases")[0][0]
        assert 100 <= cases <= 160
        quarantined = rows(
            run.db,
            "select flow, step, row_count from reporting.rpt_sample_flow "
            "where flow like 'PI18%' and step like 'quarantined%'",
        )
        assert quarantined == [], quarantined


# --- the run ------------------------------------------------------------------------


def test_the_run_exits_0_with_no_traceback_or_warning(programme_run):
    run = programme_run
    assert run.error is None, run.summary()
    assert run.code == cli.EXIT_OK, run.summary()
    assert "run complete" in run.printed, run.summary()
    for marker in ("Traceback", "Warning", "RuntimeWarning"):
        assert marker not in run.printed, run.summary()
    assert run.raised == [], run.summary()


BULLETIN = frozenset({"OMI2", "Q&I"})
BULLETIN_TABLES = {"table_1", "figure_1", *(f"table_{n}" for n in range(2, 9))}


def part_tables(run: Run) -> set[str]:
    """The tables of the parts the programmes loaded call for (README, "The report"):
    the bulletin's with both of its programmes, the trend with two or more, a single
    programme's own tables (one per question it collects) when it is alone."""
    expected = {"sample_flow", "data_quality", "regression_findings", "odds_ratios"}
    if run.programmes >= BULLETIN:
        expected |= BULLETIN_TABLES
    if len(run.programmes) >= 2:
        expected |= {"programme_trend", "comparability"}
    else:
        (programme,) = run.programmes
        stem = "programme_" + re.sub(r"[^a-z0-9]+", "", programme.lower())
        collected = rows(
            run.db,
            f"select question_id from marts.dim_question_source where programme = '{programme}'",
        )
        expected |= {f"{stem}_q{q}" for (q,) in collected}
    return expected


def test_every_output_is_written(programme_run):
    run = finished(programme_run)
    assert (run.report / "public_protection_report.html").is_file()
    assert (run.report / "public_protection_tables.xlsx").is_file()
    csvs = {p.stem for p in (run.report / "csv").glob("*.csv")}
    assert csvs == part_tables(run)
    assert run.published.is_file()
    assert run.aggregate.is_file()
    assert rows(run.published, "select key_mode from reporting.rpt_build_info") == [("secret",)]
    aggregate = {
        t for (t,) in rows(run.aggregate, "select table_name from duckdb_tables()") if t != "about"
    }
    assert aggregate == csvs
    # every model the programmes call for is there, fitted or stored with its reason
    sets = {m for (m,) in rows(run.db, "select distinct model_set from analysis.regression_models")}
    expected_sets = {"bulletin"} if run.programmes >= BULLETIN else set()
    expected_sets |= {"programme"} if len(run.programmes) == 1 else {"trend"}
    assert sets == expected_sets
    unfitted = rows(
        run.db,
        "select count(*) from analysis.regression_models "
        "where log_likelihood is null and (is_reliable or reliability_note is null)",
    )
    assert unfitted == [(0,)]


def test_nothing_is_compared_with_the_bulletin(programme_run):
    run = finished(programme_run)
    assert rows(run.db, "select is_bulletin_mode from reporting.rpt_build_info") == [(False,)]
    assert rows(run.db, "select count(*) from reporting.rpt_published_reconciliation") == [(0,)]
    assert rows(run.db, "select count(*) from analysis.regression_vs_bulletin") == [(0,)]
    source = (run.report / "public_protection_report.html").read_text(encoding="utf-8")
    page = parse(run.report / "public_protection_report.html")
    text = " ".join(page.text.split())
    for bulletin_only in (
        "bulletin says",
        "The bulletin (",
        "published figures reproduced",
        "figures differ",
        "figures match",
        "Reconciliation with the published bulletin",
    ):
        assert bulletin_only not in text, bulletin_only
    assert not re.findall(r"\b(agrees|differs)\b", text)
    assert 'id="reconciliation' not in source
    assert not (run.report / "csv" / "reconciliation.csv").exists()
    sheets = openpyxl.load_workbook(run.report / "public_protection_tables.xlsx").sheetnames
    assert "Reconciliation" not in sheets
    assert rows(
        run.aggregate,
        "select count(*) from information_schema.tables where table_name = 'reconciliation'",
    ) == [(0,)]


def _named(text: str) -> set[str]:
    """The programmes a text names."""
    return {p for p in PROGRAMMES if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)}


def test_the_report_names_exactly_the_programmes_loaded(programme_run):
    run = finished(programme_run)
    source = (run.report / "public_protection_report.html").read_text(encoding="utf-8")
    title = html.unescape(re.search(r"<title>(.*?)</title>", source, re.S).group(1))
    heading = html.unescape(re.search(r"<h1>(.*?)</h1>", source, re.S).group(1))
    assert "inspections" in title
    key_facts = source[source.index('id="key-facts"') : source.index('id="build-mode"')]
    key_facts = html.unescape(re.sub(r"<[^>]+>", " ", key_facts))
    contents = openpyxl.load_workbook(run.report / "public_protection_tables.xlsx")["Contents"]
    trend = set(re.findall(r'data-programme="([^"]+)"', html.unescape(source)))
    named = {
        "title": _named(title),
        "heading": _named(heading),
        "key facts": _named(key_facts),
        "workbook": _named(str(contents["A1"].value)),
    }
    assert named == {where: set(run.programmes) for where in named}
    # the trend's columns: every programme loaded, when there are two or more
    assert trend == (set(run.programmes) if len(run.programmes) > 1 else set())


def test_no_count_below_the_minimum_and_some_hidden(programme_run):
    run = finished(programme_run)
    disclosed, hidden = small_counts(run.report, DEFAULT_MINIMUM_N, run.aggregate)
    assert not disclosed, disclosed[:10]
    # Not vacuous: the data has small groups, in the trend and in every subgroup table.
    page = parse(run.report / "public_protection_report.html")
    assert SUPPRESSED in page.text
    assert hidden > 0
    # (A table with no count at all, such as Tables 2-8 with PI18 alone, has none to hide.)
    subgroup_or_trend = re.compile(r"^(programme_trend|table_[2-8]|programme_.+_q\d+)$")
    for stem in sorted(t for t in part_tables(run) if subgroup_or_trend.match(t)):
        with (run.report / "csv" / f"{stem}.csv").open(encoding="utf-8", newline="") as handle:
            header, *lines = list(csv.reader(handle))
        counts = [
            line[i] for line in lines for i, name in enumerate(header) if COUNT_COLUMN.search(name)
        ]
        if any(
            c == SUPPRESSED or c.replace(",", "").lstrip("0").isdigit() for c in counts
        ):  # a count > 0
            assert SUPPRESSED in counts, f"{stem}: nothing hidden"
