"""The demo extracts reproduce the bulletin, read back from the files themselves."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from extract_rules import read_omi2, read_qi

from public_protection.demo.generate import write_demo
from public_protection.demo.plan import check_plan, read_plan

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
BULLETIN = Path(__file__).resolve().parents[3] / "shared" / "bulletin"


def published_rows() -> list[dict]:
    with (SEEDS / "published_subgroup_tables.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def rounds_to(yes: int, n: int, printed: float, decimals: int = 1) -> bool:
    # Integer arithmetic: round half up of 100 * yes / n at `decimals` places.
    scale = 10**decimals
    return (2 * 100 * scale * yes + n) // (2 * n) == round(printed * scale)


def yes_n(cases: list[dict], question: int) -> tuple[int, int]:
    given = [c["answers"][question - 1] for c in cases if c["answers"][question - 1]]
    return sum(a == "Yes" for a in given), len(given)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, list[dict], Counter, Counter]:
    landing = tmp_path_factory.mktemp("demo") / "landing"
    write_demo(landing, seed=0, scale=1)
    omi2, omi2_counts = read_omi2(landing)
    qi, qi_counts = read_qi(landing)
    return landing, omi2 + qi, omi2_counts, qi_counts


def test_every_cell_of_tables_2_to_8_is_reproduced(demo):
    _, cases, _, _ = demo
    misses = []
    for row in published_rows():
        q = int(row["question_no"])
        for programme, prefix in (("All", "all"), ("OMI2", "omi2"), ("Q&I", "qi")):
            pool = [c for c in cases if programme in ("All", c["programme"])]
            if row["variable"] != "all":
                pool = [c for c in pool if c[row["variable"]] == row["category"]]
            yes, n = yes_n(pool, q)
            if n != int(row[f"{prefix}_n"]) or not rounds_to(
                yes, n, float(row[f"{prefix}_pct_yes"])
            ):
                misses.append((q, row["variable"], row["category"], programme, n, yes))
    assert misses == []
    assert len(published_rows()) == 126


def test_table_1_area_counts_are_reproduced(demo):
    _, cases, _, _ = demo
    counted = Counter((c["area"], c["programme"]) for c in cases)
    with (SEEDS / "published_area_sample.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["area"] == "Total":
                continue
            assert counted[(row["area"], "OMI2")] == int(row["omi2_n"]), row
            assert counted[(row["area"], "Q&I")] == int(row["qi_n"]), row


def test_sub_samples_and_proxy_agreement_match_the_text(demo):
    _, cases, _, _ = demo
    omi2 = [c for c in cases if c["programme"] == "OMI2"]
    qi = [c for c in cases if c["programme"] == "Q&I"]
    assert (len(omi2), len(qi)) == (1815, 1034)
    assert Counter(c["agency"] for c in omi2) == {"NPS": 486, "CRC": 1329}
    assert Counter(c["agency"] for c in qi) == {"NPS": 383, "CRC": 651}
    from extract_rules import proxy

    assert sum(proxy(c) != c["agency"] for c in qi) == 64


def pct(cases: list[dict], question: int) -> float:
    yes, n = yes_n(cases, question)
    return 100 * yes / n


def test_crc_and_nps_statements_match_the_text(demo):
    _, cases, _, _ = demo

    def group(programme: str, agency: str) -> list[dict]:
        return [c for c in cases if c["programme"] == programme and c["agency"] == agency]

    changes = {3: {"CRC": -14, "NPS": -6}, 4: {"CRC": -9, "NPS": -4}, 5: {"CRC": -14, "NPS": -5}}
    for q, by_agency in changes.items():
        for agency, change in by_agency.items():
            before, after = pct(group("OMI2", agency), q), pct(group("Q&I", agency), q)
            assert round(after - before) == change, (q, agency, after - before)
    levels = {
        (6, "NPS", "OMI2"): 74, (6, "NPS", "Q&I"): 61, (6, "CRC", "OMI2"): 53,
        (6, "CRC", "Q&I"): 45, (5, "NPS", "Q&I"): 63, (5, "CRC", "Q&I"): 47,
    }  # fmt: skip
    for (q, agency, programme), printed in levels.items():
        yes, n = yes_n(group(programme, agency), q)
        assert rounds_to(yes, n, printed, 0), (q, agency, programme, 100 * yes / n)
    flags = {"domestic_abuse_perpetrator": (75, 59), "child_protection_case": (73, 63)}
    for flag, (with_flag, without) in flags.items():
        yes, n = yes_n([c for c in cases if c[flag] is True], 7)
        assert rounds_to(yes, n, with_flag, 0)
        yes, n = yes_n([c for c in cases if c[flag] is False], 7)
        assert rounds_to(yes, n, without, 0)


def test_missing_categories_are_as_the_tables_imply(demo):
    _, cases, _, _ = demo
    omi2 = [c for c in cases if c["programme"] == "OMI2"]
    qi = [c for c in cases if c["programme"] == "Q&I"]
    unknown_age = sum(c["age_group"] is None for c in omi2) / len(omi2)
    assert 0.15 < unknown_age < 0.19  # "about 17%" from a blank DOB
    assert sum(c["ethnic_group"] is None for c in qi) >= 18


def test_manifest_counts_match_what_the_rules_find(demo):
    landing, _, omi2_counts, qi_counts = demo
    manifest = json.loads((landing / "manifest.json").read_text())
    omi2 = manifest["omi2_rows"]
    for key in ("rows", "sample", "identical_duplicates", "quarantined",
                "excluded_out_of_area_trust", "excluded_custody"):  # fmt: skip
        assert omi2_counts[key] == omi2[key], key
    assert omi2["rows"] == (
        omi2["sample"] + omi2["identical_duplicates"] + omi2["quarantined"]
        + omi2["excluded_out_of_area_trust"] + omi2["excluded_custody"]
    )  # fmt: skip
    qi = manifest["qi_case_rows"]
    for key in ("rows", "sample", "quarantined", "excluded_unmatched_area",
                "excluded_superseded_inspection"):  # fmt: skip
        assert qi_counts[key] == qi[key], key
    assert qi["rows"] == (
        qi["sample"] + qi["quarantined"] + qi["excluded_unmatched_area"]
        + qi["excluded_superseded_inspection"]
    )  # fmt: skip
    # Every sample rule is exercised.
    assert all(omi2[k] > 0 for k in omi2 if k.startswith(("excluded", "quarantined")))
    assert all(qi[k] > 0 for k in qi if k.startswith(("excluded", "quarantined")))
    assert manifest["qi_judgement_rows"]["unmatched_question"] > 0


def test_the_extracts_follow_the_layout(demo):
    landing, _, _, _ = demo
    names = sorted(p.name for p in (landing / "qi").iterdir())
    assert len(names) == 16
    assert all(re.fullmatch(r"QI_QI-20\d\d-\d\d-[A-Z]{3}\.xlsx", n) for n in names)
    for path in (landing / "omi2").iterdir():
        data = path.read_bytes()
        records = list(csv.reader(io.StringIO(data.decode("cp1252"), newline="")))
        # Every record (header included) ends in CRLF; breaks inside free text are bare LF.
        assert data.endswith(b"\r\n")
        assert data.count(b"\r\n") == len(records)
        assert b"\n" in data.replace(b"\r\n", b"")  # some free text spans lines


def test_personal_columns_look_real_and_are_unique(demo):
    landing, _, _, _ = demo
    rows = []
    for path in sorted((landing / "omi2").iterdir()):
        rows += csv.DictReader(io.StringIO(path.read_bytes().decode("cp1252"), newline=""))
    assert all(re.fullmatch(r"[A-Z]\d{6}", r["CRN"]) for r in rows)
    # One reference per person: repeated only by the duplicate rows of the same case.
    people = {(r["CaseRef"], r["CRN"]) for r in rows}
    assert len({crn for _, crn in people}) == len(people)
    assert all(r["Forename"] and r["Surname"] for r in rows)
    # Free text mentions the people by name, as real rationales do.
    assert sum(r["Forename"] in r["InspectorComments"] for r in rows) > len(rows) / 4


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_demo(first, seed=7)
    write_demo(second, seed=7)
    write_demo(other, seed=8)

    def contents(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }

    assert contents(first) == contents(second)
    assert (
        contents(first)["omi2/omi2_extract_2009-2010.csv"]
        != contents(other)["omi2/omi2_extract_2009-2010.csv"]
    )


def test_scale_multiplies_every_count_and_keeps_every_percentage(tmp_path):
    landing = tmp_path / "landing"
    write_demo(landing, seed=1, scale=2)
    omi2, omi2_counts = read_omi2(landing)
    qi, _ = read_qi(landing)
    cases = omi2 + qi
    assert (len(omi2), len(qi)) == (2 * 1815, 2 * 1034)
    assert omi2_counts["excluded_custody"] == 2 * 48
    for row in published_rows():
        if row["variable"] != "all":
            continue
        q = int(row["question_no"])
        yes, n = yes_n([c for c in cases if c["programme"] == "OMI2"], q)
        assert n == 2 * int(row["omi2_n"])
        assert rounds_to(yes, n, float(row["omi2_pct_yes"]))


def test_the_committed_case_plan_meets_every_constraint():
    assert check_plan(read_plan()) == []


@pytest.mark.skipif(not BULLETIN.is_dir(), reason="shared/bulletin is not beside the checkout")
@pytest.mark.parametrize("name", ["published_subgroup_tables.csv", "published_area_sample.csv"])
def test_the_seed_copies_of_the_published_tables_are_unchanged(name):
    assert (SEEDS / name).read_bytes() == (BULLETIN / name).read_bytes()


def test_rewriting_the_demo_replaces_extracts_but_keeps_hidden_files(tmp_path):
    landing = tmp_path / "landing"
    for folder in ("omi2", "qi"):
        (landing / folder).mkdir(parents=True)
        (landing / folder / ".gitkeep").write_text("")
    write_demo(landing, seed=1)
    write_demo(landing, seed=0)  # over earlier demo data: allowed
    assert (landing / "omi2" / ".gitkeep").exists() and (landing / "qi" / ".gitkeep").exists()
    assert sorted(p.name for p in (landing / "omi2").glob("*.csv")) == [
        "omi2_extract_2009-2010.csv",
        "omi2_extract_2011-2012.csv",
    ]
    assert json.loads((landing / "manifest.json").read_text())["seed"] == 0


@pytest.mark.parametrize(
    "theirs",
    ["omi2/my_extract.csv", "qi/QI_QI-2016-10-KEN.xlsx", "OMI2/export.csv", "cases.csv"],
)
def test_demo_data_is_never_written_over_or_beside_a_users_files(tmp_path, theirs):
    landing = tmp_path / "landing"
    write_demo(landing, seed=0)
    path = landing / theirs
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"the user's own extract")
    with pytest.raises(ValueError, match="not demo extracts"):
        write_demo(landing, seed=1)
    assert path.read_bytes() == b"the user's own extract"
    assert json.loads((landing / "manifest.json").read_text())["seed"] == 0


def test_a_changed_demo_file_is_the_users_and_is_not_overwritten(tmp_path):
    landing = tmp_path / "landing"
    write_demo(landing, seed=0)
    edited = next((landing / "omi2").glob("*.csv"))
    edited.write_bytes(edited.read_bytes() + b"OMI2/KEN/9999,edited by hand\r\n")
    with pytest.raises(ValueError, match=edited.name):
        write_demo(landing, seed=0)
