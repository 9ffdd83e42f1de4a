"""A user's own extracts, written by hand in the contract's layout.

Not the demo generator: a small, plain writer of the kind a research analyst
would use to try the product on their own data, written from
docs/input-contract.md. It takes only the column lists from the landing layout
(config/landing/, through ``public_protection.layout``), nothing from the demo.
A few hundred OMI2 rows over four matched areas (plus one trust outside them),
three Q&I workbooks, four PI18 exports (mostly outside the matched areas), no
manifest. Nothing here is calibrated to the bulletin, so its figures differ
from the published ones, and some groups are small on purpose.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path

import openpyxl

from public_protection.layout import raw_table

OMI2_CASES = raw_table("omi2_cases")
QI_CASES = raw_table("qi_cases")
QI_JUDGEMENTS = raw_table("qi_judgements")

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


# Weights of the judgement codes (1, 2, 8, 9, blank): usual, and for a question that
# is mostly not applicable (answered Yes or No in about one case in twelve).
OMI2_ANSWER_CODES = ("1", "2", "8", "9", "")
OMI2_WEIGHTS = (60, 25, 6, 4, 5)
OMI2_SPARSE_WEIGHTS = (5, 3, 85, 2, 5)


def _omi2_row(
    rng: random.Random, code: str, number: int, sparse: tuple[str, ...] = (), youngest: float = 19
) -> dict[str, str]:
    month = dt.date(rng.choice((2010, 2011)), rng.randint(1, 12), 1)
    sentence = month - dt.timedelta(days=rng.randint(60, 700))
    born = sentence - dt.timedelta(days=rng.randint(int(youngest * 365), 60 * 365))
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
        weights = OMI2_SPARSE_WEIGHTS if question in sparse else OMI2_WEIGHTS
        row[question] = rng.choices(OMI2_ANSWER_CODES, weights)[0]
    return row


def write_omi2(
    landing: Path,
    rng: random.Random,
    rows_per_trust: int,
    sparse: tuple[str, ...] = (),
    youngest: float = 19,
) -> Path:
    """One CSV in cp1252 with CRLF line endings, as the contract says.

    ``sparse``: columns answered Yes or No in few cases (mostly not applicable);
    ``youngest``: the lowest age at sentence, in years (20.7: a handful aged 18-20).
    """
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(OMI2_CASES.columns), lineterminator="\r\n")
    writer.writeheader()
    for code in OMI2_TRUSTS:
        count = rows_per_trust // 4 if code == "WAL" else rows_per_trust
        for number in range(1, count + 1):
            writer.writerow(_omi2_row(rng, code, number, sparse, youngest))
    # What hand-kept extracts hold: a trust name in capitals (read as Kent), a
    # two-digit year and a date in another layout (both quarantined).
    quirks = {
        9001: {"Trust": "KENT PROBATION TRUST"},
        9002: {"DOB": "01/01/70"},
        9003: {"SentenceDate": "2010-06-15"},
    }
    for number, change in quirks.items():
        writer.writerow({**_omi2_row(rng, "KEN", number, sparse, youngest), **change})
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


QI_ANSWERS = ("Yes", "No", "N/A", "Not answered")
QI_WEIGHTS = (65, 25, 6, 4)
QI_SPARSE_WEIGHTS = (6, 3, 88, 3)


def write_qi(
    landing: Path, rng: random.Random, cases_per_workbook: int, sparse: tuple[str, ...] = ()
) -> list[Path]:
    """One workbook per inspection, sheets Cases and Judgements, header in row 1.

    ``sparse``: refs answered Yes or No in few cases (mostly N/A).
    """
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
                weights = QI_SPARSE_WEIGHTS if ref in sparse else QI_WEIGHTS
                answer = rng.choices(QI_ANSWERS, weights)[0]
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


# --- PI18 (docs/input-contract.md, section 9) --------------------------------------

PI18_FORMAT = "pi18-case-export/1"
# (service code, service name, agency, fieldwork start, matched areas, other areas, cases):
# services and names from the contract's list of the 28; the areas of each are police
# force areas of seeds/areas.csv, few cases in the 12 matched areas.
PI18_EXPORTS = (
    ("KSS", "Kent, Surrey and Sussex CRC", "CRC", dt.date(2018, 7, 9),
     ("Kent",), ("Surrey", "Sussex"), 34),
    ("CL", "Cumbria and Lancashire CRC", "CRC", dt.date(2018, 11, 5),
     ("Cumbria",), ("Lancashire",), 27),
    ("NPS-NE", "NPS North East", "NPS", dt.date(2019, 2, 11),
     ("Durham", "North Yorkshire"), ("Northumbria", "Cleveland", "West Yorkshire"), 38),
    ("NPS-MID", "NPS Midlands", "NPS", dt.date(2019, 4, 1),
     ("Staffordshire", "West Mercia", "Derbyshire"), ("Warwickshire", "West Midlands"), 31),
)  # fmt: skip
PI18_MATCHED_SHARE = 0.2
# Ratings: the refs of the harmonised questions (seeds/question_sources.csv), plus the
# assessment key question 2.1.3, which is not harmonised. Key questions (no letter)
# are Yes or No; sub-questions may be N/A.
PI18_REFS = ("2.1.3", "2.1.3a", "2.1.3c", "2.2.3", "2.3.3", "2.4.3", "2.4.3a")
PI18_ROSH = ("Low", "Medium", "High", "Very high")
PI18_OFFENCES = ("Violence", "Sexual", "Robbery", "Burglary", "Theft", "Fraud", "Criminal damage",
                 "Drugs", "Motoring", "Public order", "Other")  # fmt: skip
PI18_FORENAMES = (*FORENAMES, "Zoë", "Siân")  # UTF-8, as the tool exports it


def pi18_inspection_id(code: str, fieldwork: dt.date) -> str:
    """``PI18-YYYY-MM-<service code>``, the id the export's file name carries."""
    return f"PI18-{fieldwork:%Y-%m}-{code}"


def _maybe(rng: random.Random, value, share_null: float):
    return None if rng.random() < share_null else value


def _pi18_case(
    rng: random.Random, code: str, number: int, agency: str, fieldwork: dt.date, areas
) -> dict:
    matched, others = areas
    start = fieldwork - dt.timedelta(days=rng.randint(60, 700))
    # ages at start from 18; under 21 rare
    age_days = rng.randint(18 * 365 + 10, 21 * 365) if rng.random() < 0.04 else None
    born = start - dt.timedelta(days=age_days or rng.randint(21 * 365 + 10, 65 * 365))
    high = agency == "NPS"
    rosh_weights = (5, 30, 55, 10) if high else (45, 50, 5, 0)
    eligible = _maybe(rng, rng.random() < (0.45 if high else 0.05), 0.04)
    ratings = []
    for ref in PI18_REFS:
        if rng.random() < 0.08:
            continue  # not rated: not answered
        key_question = ref[-1].isdigit()
        rating = rng.choices(("Yes", "No", "N/A"), (70, 30, 0) if key_question else (64, 28, 8))[0]
        ratings.append({"ref": ref, "rating": rating, "rationale": "Inspector's rationale."})
    return {
        "case_id": f"PI18-{code}-{number:04d}",
        "crn": f"P{rng.randint(100000, 999999)}",
        "name": f"{rng.choice(PI18_FORENAMES)} {rng.choice(SURNAMES)}",
        "date_of_birth": _maybe(rng, born.isoformat(), 0.05),
        "start_date": start.isoformat(),
        "pcc_area": rng.choice(matched if rng.random() < PI18_MATCHED_SHARE else others),
        "sex": rng.choices(("Male", "Female", "Not known", None), (76, 21, 2, 1))[0],
        "ethnicity": rng.choices(
            ("White", "Mixed", "Asian", "Black", "Other", "Not known", None),
            (72, 5, 9, 8, 2, 2, 2),
        )[0],
        "sentence": rng.choice(
            ("Community order", "Suspended sentence order", "Licence", "Post-sentence supervision")
        ),
        "rosh": _maybe(rng, rng.choices(PI18_ROSH, rosh_weights)[0], 0.02),
        "mappa": {
            "eligible": eligible,
            "category": rng.randint(1, 3) if eligible else None,
            "level": rng.randint(1, 3) if eligible else None,
        },
        "offence": rng.choice(PI18_OFFENCES),
        "flags": {
            "domestic_abuse": _maybe(rng, rng.random() < 0.3, 0.05),
            "iom": _maybe(rng, rng.random() < 0.15, 0.05),
            "child_protection": _maybe(rng, rng.random() < 0.2, 0.05),
        },
        "rosh_classification_reasonable": rng.choices(("Yes", "No", None), (70, 25, 5))[0],
        "notes": f'Seen at the office, {rng.choice(PI18_FORENAMES)} "engaged"; plan agreed.',
        "ratings": ratings,
    }


def write_pi18(
    landing: Path, rng: random.Random, cases_per_export: int | None = None
) -> list[Path]:
    """One JSON export per inspected service, ``pi18/PI18_<inspection id>.json``.

    UTF-8 without a byte-order mark, one object: the export's own fields, then its
    cases, each with its ratings. ``cases_per_export`` overrides the services' sizes.
    """
    paths = []
    for code, service, agency, fieldwork, matched, others, count in PI18_EXPORTS:
        inspection = pi18_inspection_id(code, fieldwork)
        exported = dt.datetime.combine(fieldwork + dt.timedelta(days=30), dt.time(9, 30))
        cases = [
            _pi18_case(rng, code, number, agency, fieldwork, (matched, others))
            for number in range(1, (cases_per_export or count) + 1)
        ]
        document = {
            "format": PI18_FORMAT,
            "exported_at": exported.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "inspection": {
                "id": inspection,
                "service": service,
                "agency": agency,
                "fieldwork_start": fieldwork.isoformat(),
                "fieldwork_end": (fieldwork + dt.timedelta(days=11)).isoformat(),
            },
            "cases": cases,
        }
        path = landing / "pi18" / f"PI18_{inspection}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode())
        paths.append(path)
    return paths


# --- Any set of programmes ----------------------------------------------------------

PROGRAMMES = ("OMI2", "Q&I", "PI18")
# The programmes' landing folders (docs/input-contract.md, "Where the files go").
PROGRAMME_FOLDERS = {"OMI2": "omi2", "Q&I": "qi", "PI18": "pi18"}
# Small groups whatever the set, for the disclosure checks: question 4 (children) is
# mostly not applicable in the OMI2 and Q&I extracts written by write_programmes, so
# its trend cells by agency fall below the minimum n (PI18 does not collect it; its few
# matched-area cases do the same there); and few OMI2 cases are aged 18-20 at sentence
# (Q&I's ages make that group small already), so every subgroup table has small cells.
SPARSE_OMI2 = ("RH10",)
SPARSE_QI = ("2.5c",)


def write_programmes(landing: Path, programmes: set[str] | frozenset[str], seed: int = 7) -> Path:
    """Write only the chosen programmes' extracts into ``landing``.

    OMI2: 4 x 80 + 20 + 3 rows; Q&I: 3 workbooks of 46 cases; PI18: 4 exports, 130
    cases. Each programme's extract is the same whichever others are chosen (one random
    stream per programme).
    """
    unknown = set(programmes) - set(PROGRAMMES)
    if unknown or not programmes:
        raise ValueError(f"choose a non-empty set of {PROGRAMMES}, not {sorted(programmes)}")
    if "OMI2" in programmes:
        write_omi2(landing, random.Random(f"{seed}:OMI2"), 80, sparse=SPARSE_OMI2, youngest=20.7)
    if "Q&I" in programmes:
        write_qi(landing, random.Random(f"{seed}:Q&I"), 45, sparse=SPARSE_QI)
    if "PI18" in programmes:
        write_pi18(landing, random.Random(f"{seed}:PI18"))
    return landing
