"""PI18 pinned by an oracle: the warehouse holds what the input contract makes of the
exports, read here with the json module (pi18_rules.py), not through the warehouse,
the seeds or the package.

PI18 has no publication to reconcile with, so this is its acceptance test: which
exports count, where every case row ends, every sample case's attributes and
answers (marts.dim_case, marts.fct_case_judgement), and every PI18 row of
reporting.rpt_programme_trend with its change from the baseline the contract names.
The demo warehouse is checked, and one small warehouse built from exports written
here by hand, for what the demo does not hold: a re-export made earlier than the
export it follows (the later exported_at counts, not the higher number), cases on
the edge of each rule.

The baseline's (Q&I's) figures are counted from the demo's Q&I workbooks by
extract_rules.read_qi (the independent reading the bulletin tests pin), not taken
from the warehouse.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from extract_rules import read_qi
from pi18_rules import (
    BASELINE,
    GRADES,
    MATCHED_AREAS,
    NATIONAL_SAMPLE,
    QUESTIONS,
    read_pi18,
)
from programme_oracle import (
    CASE_COLUMNS,
    MATCHED,
    NO,
    NOT_ANSWERED,
    TREND_CHANGE,
    TREND_COUNTS,
    TREND_GRADE,
    YES,
    Case,
    counts,
    demo_or_own_key,
    differences,
    keyed,
    query,
    trend,
    warehouse_answers,
    warehouse_cases,
    warehouse_rows,
    warehouse_trend,
)

pytestmark = pytest.mark.dbt

# Section 3's crosswalk, Q&I's side: question -> Q&I ref.
QI_REFS = {1: "2.2", 2: "2.5a", 3: "2.5b", 4: "2.5c", 5: "4.3", 6: "4.4", 7: "5.1", 8: "3.1"}
OWN_KEY = "a-key-for-the-hand-written-pi18-exports"


def qi_baseline(landing: Path) -> dict[tuple, tuple[int, int]]:
    """Q&I's counts by question, agency and scope (its sample is the matched areas)."""
    cases, _ = read_qi(landing)
    answers = {"Yes": YES, "No": NO}
    as_cases = [
        Case(
            c["area"],
            {"is_matched_area": c["area"] in MATCHED_AREAS, "responsible_agency": c["agency"]},
            {q: answers.get(c["answers_by_ref"][ref], NOT_ANSWERED) for q, ref in QI_REFS.items()},
        )
        for c in cases
    ]
    return counts(as_cases, QI_REFS, national=False)


@pytest.fixture(scope="module")
def demo(demo_warehouse):
    landing = demo_warehouse.parent / "landing"
    return demo_warehouse, read_pi18(landing), demo_or_own_key(), qi_baseline(landing)


# --- hand-written exports (section 9's layout) -------------------------------------


def export(
    inspection: str,
    agency: str,
    exported_at: str,
    cases: list[dict],
    fieldwork: tuple[str, str] = ("2018-09-03", "2018-09-14"),
) -> dict:
    return {
        "format": "pi18-case-export/1",
        "exported_at": exported_at,
        "inspection": {
            "id": inspection,
            "service": f"the {inspection.split('-', 3)[3]} service",
            "agency": agency,
            "fieldwork_start": fieldwork[0],
            "fieldwork_end": fieldwork[1],
        },
        "cases": cases,
    }


BASE_CASE = {
    "crn": "X000001",
    "name": "Alex Example",
    "date_of_birth": "1985-03-02",
    "start_date": "2018-01-15",
    "pcc_area": "Durham",
    "sex": "Male",
    "ethnicity": "White",
    "sentence": "Community order",
    "rosh": "Medium",
    "mappa": {"eligible": False, "category": None, "level": None},
    "offence": "Violence",
    "flags": {"domestic_abuse": True, "iom": False, "child_protection": None},
    "rosh_classification_reasonable": "Yes",
    "notes": "...",
}
RATINGS = {"2.1.3a": "Yes", "2.1.3c": "No", "2.2.3": "Yes", "2.3.3": "No", "2.4.3": "Yes"}


def case(case_id: str, ratings: dict | None = None, **fields) -> dict:
    made = {"case_id": case_id, **copy.deepcopy(BASE_CASE), **fields}
    given = RATINGS if ratings is None else ratings
    made["ratings"] = [{"ref": r, "rating": v, "rationale": "..."} for r, v in given.items()]
    return made


# Cases on the edge of each rule, in the KSS export (fieldwork 3-14 September 2018).
EDGE_CASES = [
    # the same case as in NPS-SEE's export, and there rated differently once
    case("PI18-KSS-0001", pcc_area="Kent"),
    case("PI18-KSS-0002", pcc_area="Sussex"),  # in NPS-SEE's export with another area
    # 17 at the start of the order, 18 at the fieldwork: under 18
    case("PI18-KSS-0003", date_of_birth="2000-06-01", start_date="2018-01-15"),
    # 20 at the start, 21 at the fieldwork: 18-20
    case("PI18-KSS-0004", date_of_birth="1997-06-01", start_date="2018-01-15"),
    case("PI18-KSS-0005", date_of_birth="1907-01-01", start_date="2018-01-15"),  # 111
    case("PI18-KSS-0006", date_of_birth=None, ethnicity="Mixed", rosh="High"),
    case("PI18-KSS-0007", ethnicity=" mixed ", rosh="Very high", sex="Not known"),
    case("PI18-KSS-0008", sex="M"),  # an unknown code
    case("PI18-KSS-0009", start_date="2018-02-30"),  # no such day
    case("PI18-KSS-0010", start_date="15/01/2018"),  # not YYYY-MM-DD
    case("PI18-KSS-0011", pcc_area="Narnia"),
    case(
        "PI18-KSS-0012",
        pcc_area="  kent ",
        rosh=None,
        ethnicity="Not known",
        sentence="Licence",
        mappa={"eligible": True, "category": 2, "level": 1},  # proxy NPS, allocated CRC
        rosh_classification_reasonable=None,
    ),
    case(
        "PI18-KSS-0013",
        {"2.1.3A": " yes ", "2.1.3c": "Maybe", "2.4.3": "N/A", "2.4.3a": "No"},
        sentence="Post-sentence supervision",
    ),
    case(
        "PI18-KSS-0014",
        mappa={"eligible": None, "category": None, "level": None},
        sentence="Suspended sentence order",
        rosh="Low",
        offence="Public order",
    ),
    case("PI18-KSS-0015", rosh_classification_reasonable="Perhaps"),  # an unknown code
    # section 5's date rules, against the KSS fieldwork
    case("PI18-KSS-0016", start_date="2018-09-15"),  # the day after the fieldwork ended
    case("PI18-KSS-0017", start_date="2018-09-14"),  # its last day
    case("PI18-KSS-0018", date_of_birth=None, start_date="1926-09-02"),  # 92 years and a day
    case("PI18-KSS-0019", date_of_birth=None, start_date="1926-09-03"),  # 92 years
]


def hand_written_exports() -> dict[str, dict]:
    """DTV's re-export _2 made before its first export (the first counts), NPS London's
    _9 and _20 made at once (_20 counts, not _9, the later text), the edge cases in
    KSS's export and two of them again in NPS-SEE's, and five exports breaking a date
    rule each."""
    dtv, lon, kss, see = (
        "PI18-2018-09-DTV",
        "PI18-2018-09-NPS-LON",
        "PI18-2018-09-KSS",
        "PI18-2018-09-NPS-SEE",
    )
    again = [
        case("PI18-KSS-0001", {**RATINGS, "2.1.3a": "No"}, pcc_area="Kent"),
        case("PI18-KSS-0002", pcc_area="Surrey"),
        case("PI18-SEE-0001", pcc_area="Essex", rosh="High"),
    ]
    first = [case("PI18-DTV-0001"), case("PI18-DTV-0002")]
    earlier = [case("PI18-DTV-0001", sex="Female"), case("PI18-DTV-0099")]
    exports = {
        f"PI18_{dtv}.json": export(dtv, "CRC", "2018-10-20T09:00:00Z", first),
        f"PI18_{dtv}_2.json": export(dtv, "CRC", "2018-10-10T09:00:00Z", earlier),
        f"PI18_{lon}_9.json": export(lon, "NPS", "2018-10-01T09:00:00Z", [case("PI18-LON-0009")]),
        f"PI18_{lon}_20.json": export(
            lon, "NPS", "2018-10-01T09:00:00Z", [case("PI18-LON-0020", pcc_area="London")]
        ),
        f"PI18_{kss}.json": export(kss, " crc ", "2018-10-05T09:00:00Z", EDGE_CASES),
        f"PI18_{see}.json": export(see, "NPS", "2018-10-08T09:00:00Z", again),
    }
    # Exports whose fieldwork or export time breaks a date rule: every case quarantined.
    broken = {
        "PI18-2017-09-CGM": ("2017-10-20T09:00:00Z", ("2017-09-04", "2017-09-15")),
        "PI18-2018-09-TV": ("2018-10-20T09:00:00Z", ("2018-09-14", "2018-09-03")),
        "PI18-2018-09-MER": ("2018-10-20T09:00:00Z", ("2018-09-03", "2018-09-31")),
        "PI18-2018-09-WAL": ("2018-09-02T23:59:00Z", ("2018-09-03", "2018-09-14")),
        "PI18-2018-09-HIOW": ("2999-10-20T09:00:00Z", ("2018-09-03", "2018-09-14")),
    }
    for inspection, (exported_at, fieldwork) in broken.items():
        cases = [case(f"PI18-{inspection.split('-', 3)[3]}-0001", start_date="2017-01-15")]
        exports[f"PI18_{inspection}.json"] = export(
            inspection, "CRC", exported_at, cases, fieldwork=fieldwork
        )
    return exports


@pytest.fixture(scope="module")
def hand_written(tmp_path_factory):
    from public_protection import cli

    root = tmp_path_factory.mktemp("pi18_oracle")
    db, landing = root / "warehouse.duckdb", root / "landing"
    (landing / "pi18").mkdir(parents=True)
    for name, document in hand_written_exports().items():
        (landing / "pi18" / name).write_text(json.dumps(document, indent=1), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PUBLIC_PROTECTION_KEY", OWN_KEY)
        for verb in ("load", "build"):
            assert cli.main([verb, "--db", str(db), "--landing", str(landing)]) == cli.EXIT_OK
    return db, read_pi18(landing), OWN_KEY, {}


@pytest.fixture(params=["demo", "hand-written"])
def warehouse(request):
    """(warehouse, the oracle's reading of its PI18 exports, key, baseline counts)."""
    return request.getfixturevalue("demo" if request.param == "demo" else "hand_written")


# --- which exports count, where every row ends -------------------------------------


def test_the_latest_export_by_exported_at_then_number_counts(warehouse):
    db, reading, _, _ = warehouse
    superseded = {
        file.rsplit("/", 1)[-1]
        for (file,) in query(
            db,
            "select distinct source_file from intermediate.int_case_rows_screened "
            "where programme = 'PI18' and outcome_reason like 'superseded export%'",
        )
    }
    assert reading.superseded_files  # a re-export in both warehouses
    assert superseded == reading.superseded_files


def test_the_oracle_reads_the_hand_written_exports_as_they_were_written(hand_written):
    """The oracle's reading of the exports made for it, by their author's intent."""
    _, reading, _, _ = hand_written
    assert reading.superseded_files == {
        "PI18_PI18-2018-09-DTV_2.json",
        "PI18_PI18-2018-09-NPS-LON_9.json",
    }
    kss = [f"KSS-{n:04d}" for n in (1, 4, 6, 7, 12, 13, 14, 17, 19)]
    in_the_sample = ["DTV-0001", "DTV-0002", "LON-0020", "SEE-0001", *kss]
    assert sorted(reading.sample) == sorted(f"PI18-{case_id}" for case_id in in_the_sample)


def test_every_case_row_ends_where_the_contract_says(warehouse):
    db, reading, _, _ = warehouse
    found = warehouse_rows(db, "PI18")
    assert sorted(found) == sorted((row.file, row.number) for row in reading.rows)
    wrong = [
        f"{row.file} #{row.number}: {found[row.file, row.number]} != {row.outcome} ({row.reason})"
        for row in reading.rows
        if found[row.file, row.number] != row.outcome
    ]
    assert wrong == [], few(wrong)


def few(items: list, shown: int = 5) -> str:
    return f"{len(items)}, e.g. {sorted(items)[:shown]}"


# --- the sample's cases and answers -------------------------------------------------


def test_the_sample_is_the_oracles_case_for_case(warehouse):
    db, reading, key, _ = warehouse
    expected = keyed(reading, key)
    found = warehouse_cases(db, "PI18")
    missing = [expected[k].ref for k in set(expected) - set(found)]
    assert missing == [], f"in the oracle's sample, not the warehouse's: {few(missing)}"
    extra = list(set(found) - set(expected))
    assert extra == [], f"case keys in the warehouse's sample, not the oracle's: {few(extra)}"
    assert len(found) > 0


def test_every_sample_case_has_the_contracts_attributes(warehouse):
    db, reading, key, _ = warehouse
    expected = {k: c.attributes for k, c in keyed(reading, key).items()}
    names = {k: c.ref for k, c in keyed(reading, key).items()}
    found = warehouse_cases(db, "PI18")
    assert differences(found, expected, CASE_COLUMNS, names) == {}


def test_dim_case_holds_no_attribute_the_oracle_does_not_check(demo):
    db, *_ = demo
    columns = query(
        db,
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'dim_case'",
    )
    assert {c for (c,) in columns} == {"case_key", "programme", *CASE_COLUMNS}


def test_every_answer_is_the_contracts(warehouse):
    db, reading, key, _ = warehouse
    sample = keyed(reading, key)
    expected = {k: c.answers for k, c in sample.items()}
    found = warehouse_answers(db, "PI18")
    # a row for every sample case and question PI18 collects (not question 4)
    assert {tuple(sorted(a)) for a in found.values()} == {tuple(sorted(QUESTIONS))}
    wrong = differences(found, expected, QUESTIONS, {k: c.ref for k, c in sample.items()})
    assert wrong == {}


# --- the trend ---------------------------------------------------------------------


def expected_trend(reading, baseline) -> dict[tuple, dict]:
    rated = counts(reading.sample.values(), QUESTIONS, NATIONAL_SAMPLE)
    return trend(rated, GRADES, BASELINE, baseline)


def test_the_trend_counts_are_the_oracles(warehouse):
    db, reading, _, baseline = warehouse
    expected = expected_trend(reading, baseline)
    found = warehouse_trend(db, "PI18")
    assert sorted(found) == sorted(expected)
    assert differences(found, expected, TREND_COUNTS) == {}


def test_the_change_is_pi18_minus_its_contract_baseline_by_agency(demo):
    """Section 3: PI18 is compared with Q&I. The change is PI18's % Yes minus Q&I's,
    CRC's against Q&I's CRC and NPS's against its NPS; the national scope has none
    (Q&I's sample is the matched areas only); z is the pooled two-proportion z of
    the same change, p its two-sided normal p-value."""
    db, reading, _, baseline = demo
    expected = expected_trend(reading, baseline)
    found = warehouse_trend(db, "PI18")
    assert differences(found, expected, TREND_CHANGE) == {}
    # a change for every matched-area row, none national
    changed = {group for group, row in expected.items() if row["change_pp"] is not None}
    assert changed == {group for group in expected if group[2] == MATCHED}


def test_only_close_pairs_are_comparable(warehouse):
    """Section 3's grades are shown beside every figure; a trend uses the close pairs
    (is_comparable), not the partial ones (questions 3 and 5)."""
    db, reading, _, baseline = warehouse
    expected = expected_trend(reading, baseline)
    found = warehouse_trend(db, "PI18")
    assert differences(found, expected, TREND_GRADE) == {}
    assert {r["is_comparable"] for r in found.values()} == {True, False}


def test_the_baseline_rows_are_a_count_from_the_qi_workbooks(demo):
    db, _, _, baseline = demo
    found = warehouse_trend(db, BASELINE)
    assert {g: (r["n"], r["n_yes"]) for g, r in found.items()} == baseline
