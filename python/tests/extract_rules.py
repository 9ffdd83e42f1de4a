"""An independent reading of the extracts, for the demo generator's acceptance tests.

Written from the input contract (``docs/input-contract.md``) alone (not from the generator or the
dbt models): read the files, apply the sample rules, return one record per
sample case with the bulletin's variables, plus the count of every rule.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl

MATCHED_TRUSTS = {
    "Cumbria": "Cumbria",
    "Derbyshire": "Derbyshire",
    "Durham Tees Valley": "Durham",
    "Gloucestershire": "Gloucestershire",
    "Greater Manchester": "Greater Manchester",
    "Kent": "Kent",
    "London": "London",
    "York and North Yorkshire": "North Yorkshire",
    "Northamptonshire": "Northamptonshire",
    "South Yorkshire": "South Yorkshire",
    "Staffordshire and West Midlands": "Staffordshire",
    "West Mercia": "West Mercia",
}
OMI2_QUESTIONS = ("RH05", "RH08", "RH09", "RH10", "RV03", "RV04", "DL12")
QI_QUESTIONS = ("2.2", "2.5a", "2.5b", "2.5c", "4.3", "4.4", "5.1")
QI_PLANNING = "3.1"  # question 8, harmonised beyond the bulletin (contract section 3)
ETHNIC = {
    "W1",
    "W2",
    "W9",
    "M1",
    "M2",
    "M3",
    "M9",
    "A1",
    "A2",
    "A3",
    "A9",
    "B1",
    "B2",
    "B9",
    "O1",
    "O9",
    "NS",
    "",
}


def age_group(age: int) -> str:
    for upper, label in ((20, "18-20"), (24, "21-24"), (29, "25-29"), (39, "30-39"), (49, "40-49")):
        if age <= upper:
            return label
    return "50+"


def proxy(case: dict) -> str:
    """The bulletin's proxy rule, written again on purpose: the oracle's own statement,
    independent of macros/proxy_agency.sql, which it checks."""
    return (
        "NPS"
        if case["mappa_eligible"] == "Yes" or case["rosh_level"] == "High/Very high"
        else "CRC"
    )


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def _years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def read_omi2(landing: Path) -> tuple[list[dict], Counter]:
    counts: Counter = Counter()
    rows = []
    for path in sorted((landing / "omi2").glob("*.csv")):
        text = path.read_bytes().decode("cp1252")
        rows += list(csv.DictReader(io.StringIO(text, newline="")))
    counts["rows"] = len(rows)
    unique: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row.values())
        if key in unique:
            counts["identical_duplicates"] += 1
        unique[key] = row
    by_ref: dict[str, list[dict]] = defaultdict(list)
    for row in unique.values():
        by_ref[row["CaseRef"]].append(row)
    cases = []
    for ref_rows in by_ref.values():
        if len(ref_rows) > 1:
            counts["quarantined"] += len(ref_rows)
            continue
        (row,) = ref_rows
        try:
            sentence = _date(row["SentenceDate"])
            born = _date(row["DOB"]) if row["DOB"] else None
        except ValueError:
            counts["quarantined"] += 1
            continue
        codes_ok = (
            row["RoSH"] in {"L", "M", "H", "VH", ""}
            and row["SentenceType"] in {"CO", "SSO", "LIC", "CUST"}
            and row["EthnicCode"] in ETHNIC
        )
        if not codes_ok or (born and (born > sentence or _years(born, sentence) < 18)):
            counts["quarantined"] += 1
            continue
        trust = row["Trust"].removesuffix(" Probation Trust")
        if trust not in MATCHED_TRUSTS:
            counts["excluded_out_of_area_trust"] += 1
            continue
        if row["SentenceType"] == "CUST":
            counts["excluded_custody"] += 1
            continue
        ethnic = row["EthnicCode"]
        case = {
            "programme": "OMI2",
            "area": MATCHED_TRUSTS[trust],
            "gender": {"M": "Male", "F": "Female"}.get(row["Sex"]),
            "age_group": age_group(_years(born, sentence)) if born else None,
            "ethnic_group": None
            if ethnic in ("NS", "")
            else ("White" if ethnic.startswith("W") else "Black, Asian & Minority Ethnic"),
            "supervision_type": "Post-custody"
            if row["SentenceType"] == "LIC"
            else "Community sentence",
            "rosh_level": {
                "L": "Low",
                "M": "Medium",
                "H": "High/Very high",
                "VH": "High/Very high",
            }.get(row["RoSH"]),
            "mappa_eligible": {"0": "No", "1": "Yes", "2": "Yes", "3": "Yes"}.get(
                row["MAPPACategory"]
            ),
            "domestic_abuse_perpetrator": {"Y": True, "N": False}.get(row["DAPerpetrator"]),
            "child_protection_case": {"Y": True, "N": False}.get(row["ChildProtection"]),
            "answers": [{"1": "Yes", "2": "No"}.get(row[q], "") for q in OMI2_QUESTIONS],
        }
        case["agency"] = proxy(case)
        cases.append(case)
    counts["sample"] = len(cases)
    return cases, counts


def _sheet(workbook, name: str) -> list[dict]:
    sheet = workbook[name]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() for h in next(rows)]
    # Streaming reads may stop a row at its last filled cell: pad to the header.
    return [dict(zip(header, [*r, *[None] * (len(header) - len(r))], strict=True)) for r in rows]


def _norm(value) -> str:
    return "" if value is None else str(value).strip().lower()


def _qi_ref(value) -> str:
    """A question ref by the contract's rule: letter case ignored, spaces removed, a
    comma read as a point, a leading Q dropped (a date Excel made of it matches none)."""
    return re.sub(r"\s+", "", _norm(value)).replace(",", ".").removeprefix("q")


def read_qi(landing: Path) -> tuple[list[dict], Counter]:
    counts: Counter = Counter()
    case_rows, judgements = [], defaultdict(dict)
    for path in sorted((landing / "qi").glob("*.xlsx")):
        workbook = openpyxl.load_workbook(path, read_only=True)
        case_rows += _sheet(workbook, "Cases")
        for row in _sheet(workbook, "Judgements"):
            judgements[row["Case ID"]][_qi_ref(row["Question ref"])] = _norm(row["Answer"])
        workbook.close()
    counts["rows"] = len(case_rows)
    by_id = defaultdict(list)
    for row in case_rows:
        by_id[row["Case ID"]].append(row)
    cases = []
    for rows in by_id.values():
        if len(rows) > 1:
            counts["quarantined"] += len(rows)
            continue
        (row,) = rows
        age = row["Age"]
        sentence = _norm(row["Sentence type"])
        known = {
            "community order",
            "suspended sentence order",
            "licence",
            "post sentence supervision",
        }
        if (age is not None and not 18 <= int(age) <= 110) or sentence not in known:
            counts["quarantined"] += 1
            continue
        if row["PCC area"] in ("Gwent", "Suffolk"):
            counts["excluded_unmatched_area"] += 1
            continue
        if row["Inspection ID"] == "QI-2016-12-LON":
            counts["excluded_superseded_inspection"] += 1
            continue
        ethnicity = _norm(row["Ethnicity"])
        rosh = _norm(row["RoSH"])
        mappa = _norm(row["MAPPA"])
        answers = judgements[row["Case ID"]]
        case = {
            "programme": "Q&I",
            "area": row["PCC area"],
            "agency": _norm(row["Provider"]).upper(),
            "gender": {"male": "Male", "female": "Female"}.get(_norm(row["Gender"])),
            "age_group": age_group(int(age)) if age is not None else None,
            "ethnic_group": None
            if ethnicity in ("", "not known")
            else ("White" if ethnicity.startswith("white") else "Black, Asian & Minority Ethnic"),
            "supervision_type": "Post-custody"
            if sentence in ("licence", "post sentence supervision")
            else "Community sentence",
            "rosh_level": {
                "low": "Low",
                "medium": "Medium",
                "high": "High/Very high",
                "very high": "High/Very high",
            }.get(rosh),
            "mappa_eligible": None if mappa == "" else ("No" if mappa == "not mappa" else "Yes"),
            "domestic_abuse_perpetrator": {"yes": True, "no": False}.get(
                _norm(row["DA perpetrator"])
            ),
            "child_protection_case": {"yes": True, "no": False}.get(_norm(row["Child protection"])),
            "answers": [
                {"yes": "Yes", "no": "No"}.get(answers.get(q, ""), "") for q in QI_QUESTIONS
            ],
            # every matched ref's answer, the planning question's too
            "answers_by_ref": {
                q: {"yes": "Yes", "no": "No"}.get(answers.get(q, ""), "")
                for q in (*QI_QUESTIONS, QI_PLANNING)
            },
        }
        cases.append(case)
    counts["sample"] = len(cases)
    return cases, counts
