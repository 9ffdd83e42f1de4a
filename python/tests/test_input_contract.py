"""docs/input-contract.md says what the loader and the seeds do, table for table.

The page is what people preparing real extracts read; if a column, a code, a
trust or an inspection changes in the product, this test fails until the page
says so too.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from public_protection.demo.layouts import OMI2_CASES, QI_CASES, QI_JUDGEMENTS
from public_protection.layout import raw_table

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "input-contract.md").read_text(encoding="utf-8")


def table_after(heading: str) -> list[list[str]]:
    """Body rows of the first Markdown table after the line starting with ``heading``."""
    lines = PAGE.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows, seen_table = [], False
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            seen_table = True
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("- "):
                rows.append(cells)
        elif seen_table:
            break
    return rows[1:]  # without the header row


def ticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def seed(name: str) -> list[dict[str, str]]:
    with (ROOT / "seeds" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def codes(programme: str, code_list: str) -> set[str]:
    return {
        row["code"]
        for row in seed("code_lists")
        if row["programme"] == programme and row["code_list"] == code_list
    }


OMI2_CODED = {
    "Sex": "sex",
    "EthnicCode": "ethnicity",
    "SentenceType": "sentence_type",
    "RoSH": "rosh",
    "MAPPACategory": "mappa",
    "MAPPALevel": "mappa_level",
    "OffenceGroup": "offence",
    "DAPerpetrator": "flag",
    "IOM": "flag",
    "ChildProtection": "flag",
    **dict.fromkeys(("RH05", "RH08", "RH09", "RH10", "RV03", "RV04", "DL12"), "answer"),
}
QI_CODED = {
    "Provider": "provider",
    "Gender": "sex",
    "Ethnicity": "ethnicity",
    "Sentence type": "sentence_type",
    "RoSH": "rosh",
    "MAPPA": "mappa",
    "Offence category": "offence",
    "DA perpetrator": "flag",
    "IOM": "flag",
    "Child protection": "flag",
    "Answer": "answer",
}


@pytest.mark.parametrize(
    ("heading", "table"),
    [
        ("## 1. OMI2 extract", OMI2_CASES),
        ("`Cases` sheet:", QI_CASES),
        ("`Judgements` sheet:", QI_JUDGEMENTS),
    ],
)
def test_the_page_lists_every_column_the_loader_requires_in_order(heading, table):
    documented = [ticked(row[0])[0] for row in table_after(heading)]
    assert documented == list(table.columns)


@pytest.mark.parametrize(
    ("heading", "programme", "coded"),
    [
        ("## 1. OMI2 extract", "OMI2", OMI2_CODED),
        ("`Cases` sheet:", "Q&I", QI_CODED),
        ("`Judgements` sheet:", "Q&I", QI_CODED),
    ],
)
def test_the_codes_on_the_page_are_the_code_lists(heading, programme, coded):
    checked = 0
    for row in table_after(heading):
        column = ticked(row[0])[0]
        if column in coded:
            documented = {value.strip().lower() for value in ticked(row[1])}
            assert documented == codes(programme, coded[column]), column
            checked += 1
    assert checked == sum(1 for r in table_after(heading) if ticked(r[0])[0] in coded) > 0


def test_the_trusts_and_their_areas_are_the_seeds():
    documented = {(row[0] + " Probation Trust", row[1]) for row in table_after("Trusts, each")}
    assert documented == {(row["trust_name"], row["area"]) for row in seed("omi2_trusts")}
    assert len(documented) == 35


def test_the_inspection_register_is_the_seeds():
    documented = {
        (ticked(row[0])[0], row[1], row[2], row[3].startswith("yes"))
        for row in table_after("Inspection register")
    }
    expected = {
        (
            row["inspection_id"],
            row["pcc_area"],
            row["report_month"][:7],
            row["is_matched_area"] == "true" and row["is_superseded"] == "false",
        )
        for row in seed("qi_inspections")
    }
    assert documented == expected


def test_the_question_refs_and_the_crosswalk_are_the_seeds():
    paragraph = PAGE[PAGE.index("Question refs:") :].split("\n\n")[0]
    refs = set(ticked(paragraph.split("A case with no row")[0]))
    assert refs == codes("Q&I", "question_ref")
    documented = [
        (row[0], ticked(row[2])[0], ticked(row[3])[0], row[4], row[5])
        for row in table_after("## 3. The question crosswalk")
    ]
    sources = {(row["programme"], row["question_id"]): row
               for row in seed("question_sources")}  # fmt: skip

    def pi18(question: str) -> str:  # "`2.1.3a` (close)", or "not collected"
        source = sources.get(("PI18", question))
        return (
            f"`{source['source_ref']}` ({source['comparability']})" if source else "not collected"
        )

    assert documented == [
        (row["question_id"], sources["OMI2", row["question_id"]]["source_ref"],
         sources["Q&I", row["question_id"]]["source_ref"], pi18(row["question_id"]),
         row["wording"])
        for row in seed("questions")
    ]  # fmt: skip


def test_the_fieldwork_years_on_the_page_are_the_programmes_seed():
    for row in seed("programmes"):
        years = f"fieldwork {row['fieldwork_start_year']}-{row['fieldwork_end_year']}"
        assert years in PAGE, row["programme"]


PI18_CODED = {
    "inspection.agency": "agency",
    "sex": "sex",
    "ethnicity": "ethnicity",
    "sentence": "sentence_type",
    "rosh": "rosh",
    "mappa.eligible": "flag",
    "offence": "offence",
    "flags.domestic_abuse": "flag",
    "flags.iom": "flag",
    "flags.child_protection": "flag",
    "ref": "rating_ref",
    "rating": "answer",
}


def test_the_pi18_fields_on_the_page_are_the_layouts_in_order():
    case_fields = table_after("The export's own fields") + table_after("Each element of `cases`")
    assert [ticked(row[0])[0] for row in case_fields] == list(raw_table("pi18_cases").columns)
    rating_fields = table_after("Each case also has `ratings`")
    assert [ticked(row[0])[0] for row in rating_fields] == list(raw_table("pi18_ratings").columns)
    checked = 0
    for row in case_fields + rating_fields:
        field = ticked(row[0])[0]
        if field in PI18_CODED:
            documented = {v.strip().lower() for v in ticked(row[1]) if v not in ("1-3",)}
            assert documented == codes("PI18", PI18_CODED[field]), field
            checked += 1
    assert checked == len(PI18_CODED)
    services = PAGE[PAGE.index("The 28 services") :]
    listed = {code for code in ticked(services) if "<name>" not in code and "pi18" not in code}
    assert listed == {row["service_code"] for row in seed("pi18_services")}
