"""The landing layout (config/landing/) drives the raw suites and the file-name check."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from public_protection.layout import RawTable, read_layouts
from public_protection.quality.suites import Scope, raw_codes_guard
from public_protection.quality.validate import build_guards
from public_protection.settings import find_project_dir

PROJECT = find_project_dir()
BOUNDS = {"raw_code_tolerance": 0.99}
SCOPE = Scope({"OMI2": "omi2", "Q&I": "qi"}, ("OMI2", "Q&I"), {}, ())


def table(**fields) -> RawTable:
    defaults = {
        "name": "x_cases",
        "programme": "X",
        "folder": "x",
        "extension": ".csv",
        "sheet": None,
        "columns": ("Case Ref", "Grade", "Year"),
    }
    return RawTable(**{**defaults, **fields})


def test_a_layouts_checks_become_one_suite_named_for_its_table():
    checks = (
        {"column": "Case Ref", "required": True},
        {"column": "Grade", "present": 0.9},
        {"column": "Grade", "code_list": "grade"},
        {"name": "year", "value": 'try_cast("Year" as integer)', "between": [2020, 2021]},
    )
    guard = raw_codes_guard(table(checks=checks), BOUNDS, lambda check: [" a", "b "])
    assert guard.name == "raw_x_cases" and guard.table == "raw.x_cases"
    assert "(nullif(trim(\"Case Ref\"), '') is not null) as has_case_ref" in guard.sql
    assert "nullif(upper(trim(\"Grade\")), '') as grade" in guard.sql
    assert 'try_cast("Year" as integer) as year' in guard.sql
    kinds = [(c.expectation, c.kwargs) for c in guard.checks]
    assert kinds == [
        ("ExpectColumnValuesToBeInSet", {"column": "has_case_ref", "value_set": [True]}),
        ("ExpectColumnValuesToNotBeNull", {"column": "grade", "mostly": 0.9}),
        # trimmed, upper case, and with the tolerance of config/quality.yml
        (
            "ExpectColumnValuesToBeInSet",
            {"column": "grade", "value_set": ["A", "B"], "mostly": 0.99},
        ),
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "year", "min_value": 2020, "max_value": 2021, "mostly": 0.99},
        ),
    ]


def test_each_code_check_admits_exactly_its_programmes_code_list():
    guards = {g.name: g for g in build_guards(PROJECT, None, [], SCOPE)}
    rosh = {
        c.kwargs["column"]: c.kwargs["value_set"]
        for c in guards["raw_omi2_cases"].checks
        if c.expectation == "ExpectColumnValuesToBeInSet"
    }
    # OMI2's rosh codes, not Q&I's (seeds/code_lists.csv)
    assert rosh["rosh"] == ["H", "L", "M", "VH"]
    refs = next(
        c.kwargs["value_set"]
        for c in guards["raw_qi_judgements"].checks
        if c.kwargs["column"] == "question_ref" and "value_set" in c.kwargs
    )
    assert "2.5A" in refs and "3.1" in refs and len(refs) == 10


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("      - {column: RoSH, code_list: rosh}", "a check's column 'Nope' is not required"),
        ("      - {column: Sex, code_list: sex}", "a check needs one of"),
    ],
)
def test_a_check_the_suite_could_not_apply_is_refused_by_name(tmp_path, change, reason):
    copy = tmp_path / "project"
    shutil.copytree(PROJECT / "config", copy / "config")
    layout = copy / "config" / "landing" / "omi2.yml"
    broken = {
        "      - {column: RoSH, code_list: rosh}": "      - {column: Nope, code_list: rosh}",
        "      - {column: Sex, code_list: sex}": "      - {column: Sex, why: nothing to check}",
    }[change]
    text = layout.read_text(encoding="utf-8")
    assert change in text
    layout.write_text(text.replace(change, broken), encoding="utf-8")
    with pytest.raises(ValueError, match=reason) as error:
        read_layouts(copy)
    assert "omi2.yml" in str(error.value) and "omi2_cases" in str(error.value)


def test_a_code_list_missing_from_the_seed_is_named(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(PROJECT / "config", copy / "config")
    shutil.copytree(PROJECT / "seeds", copy / "seeds")
    layout = copy / "config" / "landing" / "omi2.yml"
    text = layout.read_text(encoding="utf-8")
    layout.write_text(text.replace("code_list: rosh}", "code_list: risk}"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"no code list .risk. for OMI2 in seeds/code_lists\.csv"):
        build_guards(copy, None, [], SCOPE)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("QI_ABC-2016-01.xlsx", "ABC-2016-01"),
        ("qi_abc-2016-01.XLSX", "ABC-2016-01"),
        ("QI_.xlsx", None),
        ("QI_ABC.xlsx.bak", None),
        ("cases.xlsx", None),
        ("XQI_ABC.xlsx", None),
    ],
)
def test_the_inspection_a_file_is_named_for_follows_its_layouts_pattern(name, expected):
    named = table(file_name="QI_{inspection}.xlsx", inspection_column="Inspection ID")
    assert named.inspection_named_by(name) == expected
    assert table().inspection_named_by(name) is None  # no pattern, no inspection


def test_every_programme_layout_names_a_programme_of_the_seed():
    programmes = (PROJECT / "seeds" / "programmes.csv").read_text(encoding="utf-8")
    codes = {line.split(",")[0] for line in programmes.splitlines()[1:]}
    assert {t.programme for t in read_layouts(PROJECT)} <= codes


def _git_ignores(path: str) -> bool:
    """Whether git's ignore rules (.gitignore) exclude ``path`` in this checkout."""
    done = subprocess.run(
        ["git", "-C", str(PROJECT), "check-ignore", "--quiet", "--no-index", path],
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0


def test_git_ignores_every_layouts_landing_folder_but_keeps_its_gitkeep():
    """Landed extracts are personal data: none may be committed, for any programme."""
    if shutil.which("git") is None or not (PROJECT / ".git").exists():
        pytest.skip("not a git checkout")
    folders = sorted({(t.folder, t.extension) for t in read_layouts(PROJECT)})
    assert len(folders) >= 3
    # A programme added later without touching .gitignore is covered too.
    for folder, extension in [*folders, ("new_programme", ".csv")]:
        for name in (f"extract{extension}", f"sub/extract{extension}", "notes.txt"):
            assert _git_ignores(f"data/landing/{folder}/{name}"), f"{folder}/{name}"
    assert _git_ignores("data/landing/manifest.json")
    for path in (PROJECT / "data" / "landing").rglob(".gitkeep"):
        assert not _git_ignores(str(path.relative_to(PROJECT))), path


def test_a_layout_whose_files_no_reader_reads_is_refused_before_a_load(tmp_path, monkeypatch):
    """The registry of readers is what the layout check and the loader both consult."""
    import dataclasses

    from public_protection import load, readers
    from public_protection.layout import RAW_TABLES

    spss = dataclasses.replace(RAW_TABLES[0], folder="pdu", extension=".sav")
    with pytest.raises(ValueError, match=r"no reader for the files of pdu/ \(\.sav\)"):
        readers.check_readable((*RAW_TABLES, spss))
    readers.check_readable(RAW_TABLES)  # every shipped layout has its reader
    # the loader consults the same registry: without the CSV reader, OMI2's layout fails
    monkeypatch.delitem(readers.READERS, ".csv")
    (tmp_path / "omi2").mkdir()
    with pytest.raises(ValueError, match=r"no reader for the files of omi2/ \(\.csv\)"):
        load.load_landing(tmp_path / "w.duckdb", tmp_path)
    assert not (tmp_path / "w.duckdb").exists()
