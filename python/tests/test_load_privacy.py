"""No copy of personal data outlives a load, and the demo key never keys a real file.

A load reads every file into a scratch database before it commits: a full copy of
the extracts (names, CRNs, dates of birth). It lives in a folder beside the
warehouse that only its owner may enter, is removed when the load ends or fails,
and, when a load is killed, by the next load or any stage that opens the warehouse.
"""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from user_extracts import write_omi2

from public_protection import cli
from public_protection.load import scratch_folder

pytestmark = pytest.mark.dbt

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("privacy") / "landing"
    assert cli.main(["demo-data", "--landing", str(landing)]) == cli.EXIT_OK
    return landing


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every raw data table's rows but the time they were loaded ({} before any load)."""
    if not db.exists():
        return {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' and table_name not in ('load_log', 'source_files') "
                "order by 1"
            ).fetchall()
        ]
        return {
            t: con.execute(f"select * exclude (_loaded_at) from raw.{t} order by all").fetchall()
            for t in tables
        }


@pytest.fixture(scope="module")
def loaded_whole(demo_landing, tmp_path_factory) -> dict:
    """The raw tables of the same landing folder loaded without interruption."""
    db = tmp_path_factory.mktemp("whole") / "whole.duckdb"
    assert cli.main(["load", "--db", str(db), "--landing", str(demo_landing)]) == cli.EXIT_OK
    return snapshot(db)


def beside(db: Path) -> list[str]:
    """What is in the warehouse's folder (the warehouse itself included)."""
    return sorted(p.name for p in db.parent.iterdir())


def start_load(db: Path, landing: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "public_protection.cli",
            "load",
            "--db",
            str(db),
            "--landing",
            str(landing),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("after_seconds", [0.0, 0.7, 1.5, 3.0])
def test_a_killed_load_leaves_no_copy_once_the_warehouse_is_next_opened(
    demo_landing, loaded_whole, tmp_path, capsys, after_seconds
):
    db = tmp_path / "warehouse" / "pp.duckdb"
    db.parent.mkdir()
    load = start_load(db, demo_landing)
    folder = scratch_folder(db)
    deadline = time.monotonic() + 120
    # until the scratch copy is being written (then the load has seconds of work left)
    while load.poll() is None and time.monotonic() < deadline:
        if folder.exists() and any(folder.iterdir()):
            break
        time.sleep(0.01)
    if folder.exists():
        # While it exists, only its owner may enter it or read what is in it.
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        time.sleep(after_seconds)
        for path in folder.iterdir() if folder.exists() else ():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    load.send_signal(signal.SIGKILL)
    load.wait(timeout=60)
    # All or nothing: the warehouse holds no raw rows, or every one of them.
    assert snapshot(db) in ({}, loaded_whole)
    left = [name for name in beside(db) if name != db.name]
    if after_seconds == 0.0:
        assert left, "killed while staging: its copy is left behind, so the test proves something"
    capsys.readouterr()

    # The next load finds what the killed one left, removes it and says so.
    assert cli.main(["load", "--db", str(db), "--landing", str(demo_landing)]) == cli.EXIT_OK
    err = " ".join(capsys.readouterr().err.split())
    if any(name.startswith(f".{db.name}.loading") for name in left):
        assert "an interrupted load had left beside the warehouse" in err
    assert beside(db) == [db.name]
    assert snapshot(db) == loaded_whole


def test_any_stage_that_opens_the_warehouse_removes_a_killed_loads_copy(
    demo_landing, tmp_path, capsys
):
    db = tmp_path / "pp.duckdb"
    assert cli.main(["load", "--db", str(db), "--landing", str(demo_landing)]) == cli.EXIT_OK
    # What a killed load leaves: this version's folder, and an older version's file and WAL.
    folder = scratch_folder(db)
    folder.mkdir(mode=0o700)
    (folder / "batch-0123abcd.duckdb").write_bytes(b"a copy of the extracts")
    (tmp_path / f".{db.name}.loading-0123abcd").write_bytes(b"a copy of the extracts")
    (tmp_path / f".{db.name}.loading-0123abcd.wal").write_bytes(b"its log")
    capsys.readouterr()
    # regress opens the warehouse, finds no marts and fails: the copies go all the same
    assert cli.main(["regress", "--db", str(db)]) == cli.EXIT_FAILED
    err = " ".join(capsys.readouterr().err.split())
    assert "removed 3 scratch file(s) an interrupted load had left" in err
    assert beside(db) == [db.name]


def test_one_real_file_beside_the_demo_is_not_keyed_with_the_demo_key(
    demo_landing, tmp_path, monkeypatch, capsys
):
    # Every other file is the demo's, byte for byte: one that is not is enough to refuse.
    landing = tmp_path / "landing"
    subprocess.run(["cp", "-r", str(demo_landing), str(landing)], check=True)
    extra = write_omi2(tmp_path / "mine", random.Random(3), rows_per_trust=5)
    (landing / "omi2" / "our_own_extract.csv").write_bytes(extra.read_bytes())
    monkeypatch.delenv("PUBLIC_PROTECTION_KEY", raising=False)
    db = tmp_path / "pp.duckdb"
    assert cli.main(["load", "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    with duckdb.connect(str(db), read_only=True) as con:
        assert (
            con.execute(
                "select count(*) filter (where not is_demo), count(*) from raw.source_files"
            ).fetchone()[0]
            == 1
        )
    capsys.readouterr()
    assert cli.main(["build", "--db", str(db)]) == cli.EXIT_FAILED
    err = " ".join(capsys.readouterr().err.split())
    assert "1 loaded file(s) are not demo extracts, and no secret key" in err
    with duckdb.connect(str(db), read_only=True) as con:
        built = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()
    assert built == (0,)
