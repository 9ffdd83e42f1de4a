"""PI18 in the demo warehouse: every case and rating accounted for, the re-export
counted instead of the first export, and the trend's counts equal to a count made
from the exports themselves with the json module, not through the warehouse."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.dbt

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(demo_warehouse):
    landing = demo_warehouse.parent / "landing"
    manifest = json.loads((landing / "manifest.json").read_text(encoding="utf-8"))
    return demo_warehouse, landing, manifest["pi18_case_rows"]


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def flow(db: Path, name: str) -> dict[str, int]:
    return dict(
        rows(db, f"select step, row_count from reporting.rpt_sample_flow where flow = '{name}'")
    )


def test_every_case_is_accounted_for_as_the_generator_planted(demo):
    db, _, planted = demo
    cases = flow(db, "PI18 cases")
    assert cases["rows received"] == planted["rows"]
    assert cases["in the sample"] == planted["sample"]
    assert cases["duplicate: identical duplicate row"] == planted["identical_duplicates"]
    assert (
        cases["quarantined: conflicting duplicate"] == planted["quarantined_conflicting_duplicate"]
    )
    assert (
        cases["quarantined: unreadable date: start_date"] == planted["quarantined_impossible_date"]
    )
    assert cases["quarantined: unknown code: sex"] == planted["quarantined_unknown_code"]
    assert cases["quarantined: age under 18"] == planted["quarantined_under_18"]
    superseded = "excluded: superseded export (a later export of the inspection counts)"
    assert cases[superseded] == planted["superseded_export"] > 0
    # every row received ends in exactly one of the other steps
    assert sum(v for k, v in cases.items() if k != "rows received") == cases["rows received"]


def test_every_rating_is_accounted_for(demo):
    db, _, planted = demo
    ratings = flow(db, "PI18 judgements")
    assert ratings["rows received"] == planted["rating_rows"]
    assert (
        ratings["quarantined: unknown question ref"] == planted["quarantined_unknown_ref_ratings"]
    )
    assert sum(v for k, v in ratings.items() if k != "rows received") == planted["rating_rows"]
    assert rows(db, "select count(*) from raw.pi18_ratings") == [(planted["rating_rows"],)]


def read_exports(landing: Path) -> list[tuple[str, dict]]:
    return [
        (path.name, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted((landing / "pi18").glob("*.json"))
    ]


def test_the_re_export_supersedes_the_first(demo):
    db, landing, _ = demo
    exports = read_exports(landing)
    by_inspection = defaultdict(list)
    for name, document in exports:
        by_inspection[document["inspection"]["id"]].append((document["exported_at"], name))
    (reexported,) = [sorted(v) for v in by_inspection.values() if len(v) > 1]
    (_, first), (_, latest) = reexported
    outcomes = rows(
        db,
        "select source_file, outcome, count(*) from intermediate.int_case_rows_screened "
        f"where source_file in ('pi18/{first}', 'pi18/{latest}') group by all order by 1, 2",
    )
    size = len(dict(exports)[first]["cases"])
    assert outcomes == [(f"pi18/{first}", "excluded", size), (f"pi18/{latest}", "sample", size)]
    # The first export's ratings differ for some cases: the facts hold the re-export's.
    first_answers = {
        (c["case_id"], r["ref"]): r["rating"]
        for c in dict(exports)[first]["cases"]
        for r in c["ratings"]
    }
    latest_answers = {
        (c["case_id"], r["ref"]): r["rating"]
        for c in dict(exports)[latest]["cases"]
        for r in c["ratings"]
    }
    changed = {k for k in latest_answers if first_answers[k] != latest_answers[k]}
    assert changed and {ref for _, ref in changed} == {"2.1.3a"}  # question 2
    yes_in_facts = rows(
        db,
        "select count(*) filter (where answer = 'Yes') from marts.fct_case_judgement "
        "inner join marts.dim_case using (case_key) "
        f"where question_id = 2 and inspection_id = '{latest.split('_')[1]}'",
    )[0][0]
    assert yes_in_facts == sum(
        1 for (_, ref), rating in latest_answers.items() if ref == "2.1.3a" and rating == "Yes"
    )


def seed(name: str) -> list[dict[str, str]]:
    with (ROOT / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def count_from_the_exports(landing: Path) -> dict[tuple, tuple[int, int]]:
    """(question, agency, scope) -> (n answered Yes or No, n Yes), by the input contract."""
    codes = defaultdict(set)
    for row in seed("code_lists"):
        if row["programme"] == "PI18":
            codes[row["code_list"]].add(row["code"])
    matched = {row["area"].lower() for row in seed("areas") if row["is_matched_area"] == "true"}
    known_areas = {row["area"].lower() for row in seed("areas")}
    questions = {
        row["source_ref"]: int(row["question_id"])
        for row in seed("question_sources")
        if row["programme"] == "PI18"
    }
    # the latest export of each inspection counts
    latest: dict[str, tuple[str, str]] = {}
    exports = dict(read_exports(landing))
    for name, document in exports.items():
        key = document["inspection"]["id"]
        if key not in latest or (document["exported_at"], name) > latest[key]:
            latest[key] = (document["exported_at"], name)
    copies = defaultdict(list)  # case_id -> (agency, case) of every counted export
    for _, name in latest.values():
        document = exports[name]
        for case in document["cases"]:
            copies[case["case_id"]].append((document["inspection"]["agency"], case))

    def text(value) -> str | None:
        return None if value is None else str(value).strip().lower() or None

    def readable(case: dict) -> bool:
        try:
            start = dt.date.fromisoformat(case["start_date"])
            born = dt.date.fromisoformat(case["date_of_birth"])
        except (TypeError, ValueError):
            return False
        age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        coded = {"sex": "sex", "ethnicity": "ethnicity", "sentence": "sentence_type",
                 "rosh": "rosh", "offence": "offence"}  # fmt: skip
        return (
            age >= 18
            and all(text(case[f]) is None or text(case[f]) in codes[c] for f, c in coded.items())
            and text(case["pcc_area"]) in known_areas
        )

    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for found in copies.values():
        cases = {json.dumps({k: v for k, v in c.items() if k != "ratings"}, sort_keys=True)
                 for _, c in found}  # fmt: skip
        agency, case = found[0]
        if len(cases) > 1 or not readable(case):  # a conflict, or unreadable
            continue
        answers = {"rosh_classification_reasonable": case["rosh_classification_reasonable"]}
        for _, copy in found:
            answers.update({r["ref"]: r["rating"] for r in copy["ratings"]})
        scopes = ["national"] + (["matched areas"] if text(case["pcc_area"]) in matched else [])
        for ref, question in questions.items():
            answer = text(answers.get(ref))
            if answer not in ("yes", "no"):
                continue
            for who in (agency, "All"):
                for scope in scopes:
                    counts[(question, who, scope)][0] += 1
                    counts[(question, who, scope)][1] += answer == "yes"
    return {key: (n, yes) for key, (n, yes) in counts.items()}


def test_the_trend_counts_equal_a_count_from_the_exports(demo):
    db, landing, _ = demo
    expected = count_from_the_exports(landing)
    found = {
        (question, agency, scope): (n, n_yes)
        for question, agency, scope, n, n_yes in rows(
            db,
            "select question_id, responsible_agency, scope, n, n_yes "
            "from reporting.rpt_programme_trend where programme = 'PI18'",
        )
    }
    assert len(expected) == 7 * 3 * 2  # 7 questions (not 4), 3 agencies, 2 scopes
    assert found == expected


def test_scale_multiplies_every_pi18_count_and_keeps_every_percentage(demo, tmp_path):
    from public_protection.demo.generate import write_demo

    _, landing, planted = demo
    twice = tmp_path / "landing"
    write_demo(twice, seed=0, scale=2)
    manifest = json.loads((twice / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pi18_case_rows"]["sample"] == 2 * planted["sample"]
    once = count_from_the_exports(landing)
    assert count_from_the_exports(twice) == {
        key: (2 * n, 2 * yes) for key, (n, yes) in once.items()
    }
