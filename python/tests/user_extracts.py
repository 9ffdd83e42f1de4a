"""A user's own extracts, written by hand in the contract's layout.

Not the demo generator: a small, plain writer of the kind a research analyst
would use to try the product on their own data. A few hundred OMI2 rows over
four matched areas (plus one trust outside them), three Q&I workbooks, no
manifest. Nothing here is calibrated to the bulletin, so its figures differ
from the published ones, and some groups are small on purpose.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

import openpyxl

from public_protection.demo.layouts import OMI2_CASES, QI_CASES, QI_JUDGEMENTS

OMI2_TRUSTS = {
    "KEN": "Kent Probation Trust",
    "CUM": "Cumbria Probation Trust",
    "DTV": "Durham Tees Valley Probation Trust",
    "WME": "West Mercia Probation Trust",
    "WAL": "Wales Probation Trust",  # outside the 12 matched areas: excluded
}
QI_WORKBOOKS = {
    "QI-2016-10-KEN": "Kent",
    "QI-2017-10-CUM": "Cumbria",
    "QI-2016-08-DUR": "Durham",
}
FORENAMES = ("Alex", "Sam", "Jordan", "Chris", "Pat", "Robin", "Jamie", "Lee", "Kim", "Dana")
SURNAMES = ("Taylor", "Brown", "Wilson", "Evans", "Patel", "Okafor", "Murphy", "Nowak", "Hughes")
OMI2_QUESTIONS = ("RH05", "RH08", "RH09", "RH10", "RV03", "RV04", "DL12")
QI_QUESTIONS = ("2.2", "2.5a", "2.5b", "2.5c", "4.3", "4.4", "5.1")


def _omi2_row(rng: random.Random, code: str, number: int) -> dict[str, str]:
    month = dt.date(rng.choice((2010, 2011)), rng.randint(1, 12), 1)
    sentence = month - dt.timedelta(days=rng.randint(60, 700))
    born = sentence - dt.timedelta(days=rng.randint(19 * 365, 60 * 365))
    mappa = rng.choice(("0", "0", "0", "1", "2", ""))
    row = {
        "CaseRef": f"OMI2/{code}/{number:04d}",
        "Trust": OMI2_TRUSTS[code],
        "InspectionMonth": f"{month:%m/%Y}",
        "CRN": f"X{rng.randint(100000, 999999)}",
        "Forename": rng.choice(FORENAMES),
        "Surname": rng.choice(SURNAMES),
        "DOB": "" if rng.random() < 0.1 else f"{born:%d/%m/%Y}",
        "SentenceDate": f"{sentence:%d/%m/%Y}",
        "Sex": rng.choice(("M", "M", "M", "F")),
        "EthnicCode": rng.choice(("W1", "W1", "W1", "W2", "A1", "B1", "M1", "NS")),
        "SentenceType": rng.choice(("CO", "CO", "SSO", "LIC", "CUST")),
        "RoSH": rng.choice(("L", "M", "M", "H", "VH")),
        "MAPPACategory": mappa,
        "MAPPALevel": "1" if mappa in ("1", "2") else "",
        "OffenceGroup": rng.choice(("VAP", "SEX", "ROB", "BUR", "THF", "DRG", "OTH")),
        "DAPerpetrator": rng.choice(("Y", "N", "N", "")),
        "IOM": rng.choice(("Y", "N", "N")),
        "ChildProtection": rng.choice(("Y", "N", "N", "N")),
        "InspectorComments": f"Seen at home, {rng.choice(FORENAMES)} present; plan agreed.",
    }
    for question in (*OMI2_QUESTIONS, "PL01", "PL04", "IN02"):
        row[question] = rng.choices(("1", "2", "8", "9", ""), (60, 25, 6, 4, 5))[0]
    return row


def write_omi2(landing: Path, rng: random.Random, rows_per_trust: int) -> Path:
    """One CSV in cp1252 with CRLF line endings, as the contract says."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(OMI2_CASES.columns), lineterminator="\r\n")
    writer.writeheader()
    for code in OMI2_TRUSTS:
        count = rows_per_trust // 4 if code == "WAL" else rows_per_trust
        for number in range(1, count + 1):
            writer.writerow(_omi2_row(rng, code, number))
    # What hand-kept extracts hold: a trust name in capitals (read as Kent), a
    # two-digit year and a date in another layout (both quarantined).
    quirks = {
        9001: {"Trust": "KENT PROBATION TRUST"},
        9002: {"DOB": "01/01/70"},
        9003: {"SentenceDate": "2010-06-15"},
    }
    for number, change in quirks.items():
        writer.writerow({**_omi2_row(rng, "KEN", number), **change})
    path = landing / "omi2" / "omi2_cases.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return path


def _qi_case(rng: random.Random, inspection: str, area: str, number: int) -> list:
    rosh = rng.choice(("Low", "Medium", "Medium", "High", "Very High"))
    mappa = rng.choice(("Not MAPPA", "Not MAPPA", "Category 1", "Category 2", None))
    provider = "NPS" if rosh in ("High", "Very High") or mappa not in ("Not MAPPA", None) else "CRC"
    return [
        f"QI-{inspection[-3:]}-{inspection[3:7]}-{number:04d}",
        inspection,
        area,
        provider,
        f"Q{rng.randint(100000, 999999)}",
        f"{rng.choice(FORENAMES)} {rng.choice(SURNAMES)}",
        rng.randint(18, 70) if rng.random() > 0.03 else None,
        rng.choice(("Male", "Male", "Female", "male ")),
        rng.choice(("White British", "White Other", "Asian or Asian British", "Mixed", None)),
        rng.choice(("Community Order", "Suspended Sentence Order", "Licence")),
        rosh,
        mappa,
        rng.choice(("Violence", "Sexual", "Burglary", "Theft", "Drugs", "Other")),
        rng.choice(("Yes", "No", None)),
        rng.choice(("Yes", "No", "No")),
        rng.choice(("Yes", "No", "No")),
        "Lives with family; attends appointments.",
    ]


def write_qi(landing: Path, rng: random.Random, cases_per_workbook: int) -> list[Path]:
    """One workbook per inspection, sheets Cases and Judgements, header in row 1."""
    paths = []
    for inspection, area in QI_WORKBOOKS.items():
        workbook = openpyxl.Workbook()
        cases = workbook.active
        cases.title = "Cases"
        cases.append(list(QI_CASES.columns))
        judgements = workbook.create_sheet("Judgements")
        judgements.append(list(QI_JUDGEMENTS.columns))
        for number in range(1, cases_per_workbook + 1):
            case = _qi_case(rng, inspection, area, number)
            cases.append(case)
            for ref in (*QI_QUESTIONS, "3.1"):
                if rng.random() < 0.08:
                    continue  # no row: not answered
                answer = rng.choices(("Yes", "No", "N/A", "Not answered"), (65, 25, 6, 4))[0]
                judgements.append([case[0], ref, answer, "Rationale written by the inspector."])
        # Refs as people type them: "2.5 c" and "4,4" (read as 2.5c and 4.4), and a
        # 4.3 that Excel turned into a date (quarantined).
        typed = _qi_case(rng, inspection, area, 999)
        cases.append(typed)
        for ref, answer in (("Q2.2", "Yes"), ("2.5 c", "Yes"), ("4,4", "No")):
            judgements.append([typed[0], ref, answer, None])
        judgements.append([typed[0], dt.datetime(2017, 3, 4), "Yes", None])
        path = landing / "qi" / f"QI_{inspection}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(path)
        paths.append(path)
    return paths


def write_user_extracts(landing: Path, seed: int = 7, rows_per_trust: int = 80) -> Path:
    """Write the extracts into ``landing``: 4 x 80 + 20 + 3 OMI2 rows, 3 x 46 Q&I cases."""
    rng = random.Random(seed)
    write_omi2(landing, rng, rows_per_trust)
    write_qi(landing, rng, cases_per_workbook=45)
    return landing
