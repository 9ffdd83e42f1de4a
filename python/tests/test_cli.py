"""The CLI: options and environment, exit codes."""

from __future__ import annotations

from argparse import Namespace
from dataclasses import replace

import duckdb
import pytest

from public_protection import cli
from public_protection.settings import (
    ENV_DB,
    ENV_LANDING,
    ENV_REPORT_DIR,
    Settings,
    resolve_settings,
)


def test_option_beats_environment_beats_default(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DB, str(tmp_path / "from_env.duckdb"))
    monkeypatch.delenv(ENV_LANDING, raising=False)

    from_env = resolve_settings(None, None)
    from_option = resolve_settings(str(tmp_path / "opt.duckdb"), str(tmp_path / "land"))

    assert from_env.db == tmp_path / "from_env.duckdb"
    assert from_env.landing == from_env.project_dir / "data" / "landing"
    assert from_option.db == tmp_path / "opt.duckdb"
    assert from_option.landing == tmp_path / "land"


def test_load_verb_exits_zero_and_fills_raw(landing, db, capsys):
    code = cli.main(["load", "--db", str(db), "--landing", str(landing)])
    assert code == cli.EXIT_OK
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw.qi_judgements").fetchone() == (6,)
    assert "loaded 2, replaced 0, unchanged 0" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["broken.csv", "extract[pi18_cases].csv", "[bold]x.csv"])
def test_load_verb_names_the_bad_file_and_exits_non_zero(landing, db, capsys, name):
    # a file name is data: square brackets in it are printed, never read as markup
    (landing / "omi2" / name).write_bytes(b"CaseRef\r\n")
    code = cli.main(["load", "--db", str(db), "--landing", str(landing)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == cli.EXIT_FAILED
    assert f"omi2/{name}" in err
    assert "missing required column(s)" in err


def test_report_dir_option_beats_environment_beats_default(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_REPORT_DIR, str(tmp_path / "env_report"))
    assert resolve_settings(None, None).report_dir == tmp_path / "env_report"
    chosen = resolve_settings(None, None, None, str(tmp_path / "opt_report"))
    assert chosen.report_dir == tmp_path / "opt_report"
    monkeypatch.delenv(ENV_REPORT_DIR)
    beside = resolve_settings(str(tmp_path / "w" / "x.duckdb"), None)
    assert beside.report_dir == tmp_path / "w" / "report"


def test_report_refuses_a_negative_minimum_n_before_touching_anything(tmp_path, capsys):
    code = cli.main(["report", "--db", str(tmp_path / "w.duckdb"), "--min-n", "-1"])
    assert code == cli.EXIT_FAILED
    assert "--min-n must be 0 or more" in capsys.readouterr().err
    assert not (tmp_path / "report").exists()


def test_report_without_a_warehouse_says_which_command_to_run(tmp_path, capsys):
    code = cli.main(["report", "--db", str(tmp_path / "w.duckdb")])
    assert code == cli.EXIT_FAILED
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "run `public-protection load` first" in err
    assert not (tmp_path / "w.duckdb").exists()


def test_run_stops_at_the_first_failure(landing, db, capsys):
    (landing / "qi" / "QI_bad.xlsx").write_bytes(b"not a workbook")
    code = cli.main(["run", "--db", str(db), "--landing", str(landing)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILED
    assert "load failed" in err
    assert "run stopped" in err
    assert "build dbt build" not in err


def test_demo_data_verb_writes_the_extracts_and_a_manifest(tmp_path, capsys):
    landing = tmp_path / "landing"
    code = cli.main(["demo-data", "--seed", "3", "--landing", str(landing)])
    assert code == cli.EXIT_OK
    assert len(list((landing / "qi").glob("QI_*.xlsx"))) == 16
    assert len(list((landing / "omi2").glob("*.csv"))) == 2
    assert (landing / "manifest.json").is_file()
    assert "1,815 in the sample" in capsys.readouterr().err


def test_demo_data_refuses_a_scale_below_one(tmp_path, capsys):
    code = cli.main(["demo-data", "--scale", "0", "--landing", str(tmp_path / "l")])
    assert code == cli.EXIT_FAILED
    assert "scale must be a whole number of at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("verb", ["load", "run"])
def test_a_landing_folder_the_user_names_is_never_filled_with_demo_data(tmp_path, capsys, verb):
    db = tmp_path / "w.duckdb"
    for landing in (tmp_path / "typo", tmp_path / "empty"):
        if landing.name == "empty":
            (landing / "qi").mkdir(parents=True)
        code = cli.main([verb, "--db", str(db), "--landing", str(landing)])
        err = " ".join(capsys.readouterr().err.split())
        assert code == cli.EXIT_FAILED
        assert f"the landing folder {landing}" in err
        assert "does not exist" in err or "holds no extract" in err
        assert not (landing / "manifest.json").exists()
        assert not (landing / "omi2").exists()
    assert not db.exists()


def test_run_writes_the_demo_only_when_asked_or_on_the_default_empty_landing(tmp_path):
    empty = tmp_path / "landing"
    empty.mkdir()
    settings = Settings(
        db=tmp_path / "w.duckdb",
        landing=empty,
        project_dir=tmp_path,
        published=tmp_path / "p.duckdb",
        report_dir=tmp_path / "report",
    )
    asked, not_asked = Namespace(demo=True), Namespace(demo=False)
    assert not cli.writes_demo(settings, not_asked)  # a folder the user named
    assert cli.writes_demo(settings, asked)
    default = replace(settings, landing_is_default=True)
    assert cli.writes_demo(default, not_asked)
    (empty / "OMI2").mkdir()
    (empty / "OMI2" / "mine.csv").write_text("CaseRef\n")
    assert not cli.writes_demo(default, not_asked)  # it holds an extract now


def test_run_demo_refuses_a_landing_holding_the_users_files(landing, db, capsys):
    code = cli.main(["run", "--demo", "--db", str(db), "--landing", str(landing)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == cli.EXIT_FAILED
    assert "demo-data failed" in err and "not demo extracts" in err
    assert not (landing / "manifest.json").exists()
    assert not db.exists()


@pytest.mark.dbt
def test_a_reader_holding_the_warehouse_stops_each_writing_stage_with_one_line(
    regressed_warehouse, tmp_path, capfd
):
    import subprocess
    import sys

    from conftest import copy_of

    db = copy_of(regressed_warehouse, tmp_path)
    published = tmp_path / "published.duckdb"
    paths = ["--db", str(db), "--published", str(published)]
    assert cli.main(["publish", *paths]) == cli.EXIT_OK
    aggregate = tmp_path / "public_protection_aggregate.duckdb"
    files = {p: p.read_bytes() for p in (published, aggregate)}
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys\n"
         f"con = duckdb.connect({str(db)!r}, read_only=True)\n"
         "print('open', flush=True)\nsys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout.readline().strip() == "open"
        capfd.readouterr()
        for verb in ("build", "validate", "regress", "publish"):
            args = paths if verb == "publish" else paths[:2]  # only publish takes --published
            assert cli.main([verb, *args]) == cli.EXIT_FAILED
            captured = capfd.readouterr()
            out = " ".join((captured.out + captured.err).split())
            assert "is open in another program (python" in out, (verb, out)
            assert f"PID {reader.pid})" in out
            assert "Traceback" not in out
        # A refused publish leaves both published files as they were.
        assert {p: p.read_bytes() for p in files} == files
    finally:
        reader.stdin.write("\n")
        reader.stdin.close()
        reader.wait(timeout=30)


def test_each_verb_takes_only_the_paths_it_uses(capsys):
    parser = cli.build_parser()
    verbs = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for verb, paths in cli.VERB_PATHS.items():
        flags = {flag for action in verbs.choices[verb]._actions for flag in action.option_strings}
        for path, flag in {"db": "--db", "landing": "--landing", "published": "--published",
                           "report_dir": "--report-dir"}.items():  # fmt: skip
            assert (flag in flags) == (path in paths), (verb, flag)
    with pytest.raises(SystemExit) as refused:
        cli.main(["validate", "--landing", "x"])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: public-protection validate")
    assert "unrecognized arguments: --landing x" in err


def test_every_verb_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for verb in [*cli.STAGES, "run"]:
        assert f"`public-protection {verb}" in readme, verb
