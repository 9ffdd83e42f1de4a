"""Small hand-written extracts in the spec's layout, and helpers to inspect a warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from public_protection.demo.layouts import QI_CASES, QI_JUDGEMENTS

FIXTURES = Path(__file__).parent / "fixtures"
OMI2_FIXTURE = FIXTURES / "landing" / "omi2" / "omi2_extract_a.csv"

# Q&I "Cases" rows: stray spaces and odd letter case on purpose, a numeric Age,
# blank cells (None) where a real workbook leaves them empty.
QI_CASE_ROWS = [
    [
        "QI-NOR-17-0001",
        "QI-2017-04-NOR",
        "Northamptonshire",
        "CRC",
        "A123456",
        "Jane Smith",
        34,
        "Female",
        "White British",
        "Community Order",
        "Medium",
        "Not MAPPA",
        "Violence",
        "Yes",
        "No",
        "No",
        "Lives with partner",
    ],
    [
        "QI-NOR-17-0002",
        "QI-2017-04-NOR",
        "Northamptonshire",
        " nps ",
        "B654321",
        "Ali Khan",
        52.0,
        "male",
        "Asian or Asian British",
        "Licence",
        "High ",
        "Category 2",
        "Robbery",
        None,
        "Yes",
        "No",
        None,
    ],
    [
        "QI-NOR-17-0003",
        "QI-2017-04-NOR",
        "Northamptonshire",
        "CRC",
        "C111222",
        "Sam Jones",
        None,
        "Not known",
        None,
        "Post Sentence Supervision",
        "Low",
        None,
        "Theft",
        "No",
        "No",
        "Yes",
        "Rationale mentions Sam",
    ],
]
QI_JUDGEMENT_ROWS = [
    ["QI-NOR-17-0001", "2.2", "Yes", "Jane's RoSH right"],
    ["QI-NOR-17-0001", "2.5a", "no ", None],
    ["QI-NOR-17-0001", "5.1", "N/A", None],
    ["QI-NOR-17-0002", "2.2", "YES", "ok"],
    ["QI-NOR-17-0002", "3.1", "Not answered", None],
    ["QI-NOR-17-0003", "4.4", "Yes", None],
]


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Write an .xlsx with one sheet per entry, header first."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def qi_sheets(cases: list[list] | None = None, judgements: list[list] | None = None):
    return {
        "Cases": [list(QI_CASES.columns), *(QI_CASE_ROWS if cases is None else cases)],
        "Judgements": [
            list(QI_JUDGEMENTS.columns),
            *(QI_JUDGEMENT_ROWS if judgements is None else judgements),
        ],
    }


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A landing folder with one OMI2 CSV (3 rows) and one Q&I workbook (3 + 6 rows)."""
    root = tmp_path / "landing"
    (root / "omi2").mkdir(parents=True)
    shutil.copy(OMI2_FIXTURE, root / "omi2" / OMI2_FIXTURE.name)
    write_workbook(root / "qi" / "QI_QI-2017-04-NOR.xlsx", qi_sheets())
    return root


@pytest.fixture
def secret_key(monkeypatch) -> str:
    """A key of the user's own: extracts that are not the demo's are built only with one."""
    key = "a-secret-only-this-test-knows"
    monkeypatch.setenv("PUBLIC_PROTECTION_KEY", key)
    return key


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "test.duckdb"


def table_rows(db: Path, table: str, order_by: str = "all") -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select * from {table} order by {order_by}").fetchall()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every raw data table (the load log is compared separately)."""
    if not db.exists():
        return {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' and table_name <> 'load_log' order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in tables}


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """The demo extracts loaded and built once per test session (tests work on copies)."""
    from public_protection import cli

    root = tmp_path_factory.mktemp("demo_warehouse")
    db, landing = root / "demo.duckdb", root / "landing"
    assert cli.main(["demo-data", "--landing", str(landing)]) == cli.EXIT_OK
    for verb in ("load", "build"):
        assert cli.main([verb, "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    return db


@pytest.fixture(scope="session")
def regressed_warehouse(demo_warehouse, tmp_path_factory) -> Path:
    """The demo warehouse after `regress` too, made once (tests work on copies)."""
    from public_protection import cli

    db = copy_of(demo_warehouse, tmp_path_factory.mktemp("regressed"))
    assert cli.main(["regress", "--db", str(db)]) == cli.EXIT_OK
    return db


def copy_of(db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / db.name
    shutil.copy(db, copy)
    return copy


# rpt_judgement_by_subgroup's rows the bulletin's Tables 2-8 show: its questions, its
# programmes and All (the table also holds every programme's own rows)
BULLETIN_VIEW = (
    "question_id in (select question_id from marts.dim_question where is_in_bulletin) "
    "and (programme = 'All' or programme in "
    "(select programme from marts.dim_programme where in_bulletin))"
)


def load_script(path: Path):
    """A script of benchmarks/ as a module (they are not a package)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module
