"""An independent reading of the PI18 exports, from the input contract alone.

Written from docs/input-contract.md (sections 3, 5, 6 and 9), not from the dbt
models, the seeds or the package: the exports are read with the ``json`` module,
the latest export of each inspection chosen, every case row given its outcome
(superseded, duplicate, quarantined or in the sample) and every sample case its
harmonised attributes and answers. ``programme_oracle`` compares the result with
the warehouse; the rules here are the PI18-specific half.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path

from programme_oracle import (
    BAME,
    CASE_COLUMNS,
    HIGH,
    NO,
    NOT_ANSWERED,
    NOT_APPLICABLE,
    YES,
    Case,
    Reading,
    Row,
    age_group,
    proxy_agency,
    whole_years,
)

PROGRAMME = "PI18"
KEY_PREFIX = "PI18:"
BASELINE = "Q&I"  # section 3: PI18's grades compare its sources with Q&I's
FIELDWORK_YEARS = (2018, 2019)  # section 9's title
NATIONAL_SAMPLE = True  # section 6: every area counts
# Section 3's crosswalk: question -> PI18 source (question 4 is not collected), and
# the grade of each against its Q&I counterpart.
QUESTIONS = {
    1: "rosh_classification_reasonable",
    2: "2.1.3a",
    3: "2.1.3c",
    5: "2.4.3",
    6: "2.4.3a",
    7: "2.3.3",
    8: "2.2.3",
}
GRADES = {1: "close", 2: "close", 3: "partial", 5: "partial", 6: "close", 7: "close", 8: "close"}
# Section 1's matched areas (the bulletin's Table 1), then the other police force
# areas of England and Wales by their usual names (section 9: pcc_area).
MATCHED_AREAS = (
    "Cumbria", "Derbyshire", "Durham", "Gloucestershire", "Greater Manchester", "Kent",
    "London", "North Yorkshire", "Northamptonshire", "South Yorkshire", "Staffordshire",
    "West Mercia",
)  # fmt: skip
OTHER_AREAS = (
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "Cleveland",
    "Devon and Cornwall", "Dorset", "Dyfed-Powys", "Essex", "Gwent", "Hampshire",
    "Hertfordshire", "Humberside", "Lancashire", "Leicestershire", "Lincolnshire",
    "Merseyside", "Norfolk", "North Wales", "Northumbria", "Nottinghamshire", "South Wales",
    "Suffolk", "Surrey", "Sussex", "Thames Valley", "Warwickshire", "West Midlands",
    "West Yorkshire", "Wiltshire",
)  # fmt: skip
AREAS = {area.lower(): area for area in (*MATCHED_AREAS, *OTHER_AREAS)}
# Section 9: the 28 services, by the code that ends their inspection id.
SERVICES = {
    "BGSW", "BENCH", "CGM", "CL", "DDC", "DLNR", "DTV", "ESX", "HIOW", "HLNY", "KSS", "LON",
    "MER", "NS", "NUM", "SYO", "SWM", "TV", "WAL", "WWM", "WYO",
    "NPS-LON", "NPS-MID", "NPS-NE", "NPS-NW", "NPS-SEE", "NPS-SWSC", "NPS-WAL",
}  # fmt: skip
RATING_REFS = {
    "2.1.3", "2.1.3a", "2.1.3b", "2.1.3c", "2.2.3", "2.2.3a", "2.2.3b", "2.2.3c", "2.2.3d",
    "2.3.3", "2.3.3a", "2.3.3b", "2.3.3c", "2.3.3d", "2.3.3e", "2.4.3", "2.4.3a", "2.4.3b",
    "2.4.3c",
}  # fmt: skip
# Section 9's values (compared trimmed and case-insensitively), harmonised by
# section 6; None: a value given as unknown. A column whose value is missing from
# its dictionary is an unknown code (section 5), so the row is quarantined.
AGENCY = {"crc": "CRC", "nps": "NPS"}
SEX = {"male": "Male", "female": "Female", "not known": None}
ETHNICITY = {
    "white": "White",
    "mixed": BAME,
    "asian": BAME,
    "black": BAME,
    "other": BAME,
    "not known": None,
}
SUPERVISION = {
    "community order": "Community sentence",
    "suspended sentence order": "Community sentence",
    "licence": "Post-custody",
    "post-sentence supervision": "Post-custody",
}
ROSH = {"low": "Low", "medium": "Medium", "high": HIGH, "very high": HIGH}
OFFENCE = {
    name.lower(): name
    for name in ("Violence", "Sexual", "Robbery", "Burglary", "Theft", "Fraud",
                 "Criminal damage", "Drugs", "Motoring", "Public order", "Other")
}  # fmt: skip
FLAG = {"true": True, "false": False}
ROSH_REASONABLE = {"yes": YES, "no": NO}  # section 9: Yes, No, null
RATING = {"yes": YES, "no": NO, "n/a": NOT_APPLICABLE}
CODED = {  # field -> (values, required)
    "sex": (SEX, False),
    "ethnicity": (ETHNICITY, False),
    "sentence": (SUPERVISION, True),
    "rosh": (ROSH, False),
    "mappa.eligible": (FLAG, False),
    "offence": (OFFENCE, False),
    "flags.domestic_abuse": (FLAG, False),
    "flags.iom": (FLAG, False),
    "flags.child_protection": (FLAG, False),
    "rosh_classification_reasonable": (ROSH_REASONABLE, False),
}
FILE_NAME = re.compile(r"PI18_(?P<inspection>.+?)(?:_(?P<n>[1-9][0-9]*))?\.json", re.IGNORECASE)


def received(value) -> str | None:
    """A value as the loader lands it (text; true/false; null as None), trimmed."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    return text.strip() or None


def field(record: dict, path: str):
    for part in path.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def code(record: dict, path: str) -> str | None:
    text = received(field(record, path))
    return None if text is None else text.lower()


def date(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD date, or None when the text is another layout or no such day."""
    if text is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def timestamp(text: str | None) -> dt.datetime | None:
    """An ISO 8601 timestamp, read as UTC when it names no offset."""
    try:
        moment = dt.datetime.fromisoformat(text or "")
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def read_exports(landing: Path) -> dict[str, dict]:
    """File name -> the export, every JSON file of the landing's pi18 folder."""
    folders = [p for p in landing.iterdir() if p.is_dir() and p.name.lower() == "pi18"]
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for folder in folders
        for path in sorted(folder.iterdir())
        if path.suffix.lower() == ".json" and not path.name.startswith(".")
    }


def latest_exports(exports: dict[str, dict]) -> set[str]:
    """Section 9: of each inspection, the latest export by exported_at, then by n read
    as a number (no suffix is the first export, n = 1). An export whose time cannot be
    read is never the latest (its rows are quarantined if no other export counts)."""
    latest: dict[str, tuple] = {}
    for name, export in exports.items():
        inspection = (received(field(export, "inspection.id")) or "").upper()
        moment = timestamp(received(export.get("exported_at")))
        if moment is None:
            continue
        order = (moment, int(FILE_NAME.fullmatch(name)["n"] or 1))
        if inspection not in latest or order > latest[inspection][0]:
            latest[inspection] = (order, name)
    return {name for _, name in latest.values()}


def unreadable(export: dict, case: dict, now: dt.datetime) -> str | None:
    """Why a case row is quarantined (sections 5 and 9), or None when it can be read.

    ``now``: the clock, read once, for section 5's one rule that reads it (an export
    made in the future is a typo).
    """
    exported = timestamp(received(export.get("exported_at")))
    inspection = (received(field(export, "inspection.id")) or "").upper()
    service = re.fullmatch(r"PI18-\d{4}-\d{2}-(.+)", inspection)
    begun, ended = (
        date(received(field(export, f"inspection.fieldwork_{e}"))) for e in ("start", "end")
    )
    start = date(received(case.get("start_date")))
    born_text = received(case.get("date_of_birth"))
    born = date(born_text)
    unknown = [
        path
        for path, (values, required) in CODED.items()
        if (code(case, path) is None and required)
        or (code(case, path) is not None and code(case, path) not in values)
    ]
    first, last = FIELDWORK_YEARS
    checks = (  # (reason, test), in turn: a test runs only when those before it pass
        ("missing case reference", lambda: received(case.get("case_id")) is None),
        ("unreadable date: exported_at", lambda: exported is None),
        ("unreadable date: inspection.fieldwork_start", lambda: begun is None),
        ("unreadable date: inspection.fieldwork_end", lambda: ended is None),
        ("unreadable date: start_date", lambda: start is None),
        ("unreadable date: date_of_birth", lambda: born_text is not None and born is None),
        # the date rules, as OMI2's
        (
            "fieldwork outside the programme's years",
            lambda: not (first <= begun.year <= last and first <= ended.year <= last),
        ),
        ("fieldwork ends before it starts", lambda: ended < begun),
        ("exported before the fieldwork", lambda: exported < midnight(begun)),
        ("exported in the future", lambda: exported > now),
        ("start date after the fieldwork", lambda: start > ended),
        # 18 at the start, at most 110 at the inspection: the bound without a DOB
        (
            "start date 92 years before the fieldwork",
            lambda: start < begun.replace(year=begun.year - 92),
        ),
        # the codes
        ("inspection id of no service", lambda: service is None or service[1] not in SERVICES),
        (
            "unknown code: inspection.agency",
            lambda: code(export, "inspection.agency") not in AGENCY,
        ),
        (f"unknown code: {unknown}", lambda: bool(unknown)),
        ("missing or unknown pcc_area", lambda: code(case, "pcc_area") not in AREAS),
        (
            "age under 18 or over 110 at start_date",
            lambda: born is not None and not 18 <= whole_years(born, start) <= 110,
        ),
    )
    return next((reason for reason, failed in checks if failed()), None)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def attributes(export: dict, case: dict) -> dict[str, object]:
    """A readable case's attributes as marts.dim_case holds them."""
    born = date(received(case.get("date_of_birth")))
    start = date(received(case.get("start_date")))
    area = AREAS[code(case, "pcc_area")]
    rosh = ROSH.get(code(case, "rosh"))
    eligible = FLAG.get(code(case, "mappa.eligible"))
    found = {
        "inspection_id": received(field(export, "inspection.id")).upper(),
        "area": area,
        "is_matched_area": area in MATCHED_AREAS,
        "responsible_agency": AGENCY[code(export, "inspection.agency")],
        "agency_basis": "allocated",
        "proxy_agency": proxy_agency(eligible, rosh),
        "gender": SEX.get(code(case, "sex")),
        "age_group": age_group(whole_years(born, start) if born else None),
        "ethnic_group": ETHNICITY.get(code(case, "ethnicity")),
        "supervision_type": SUPERVISION[code(case, "sentence")],
        "rosh_level": rosh,
        "mappa_eligible": eligible,
        "offence_category": OFFENCE.get(code(case, "offence")),
        "domestic_abuse_perpetrator": FLAG.get(code(case, "flags.domestic_abuse")),
        "iom_case": FLAG.get(code(case, "flags.iom")),
        "child_protection_case": FLAG.get(code(case, "flags.child_protection")),
    }
    assert tuple(found) == CASE_COLUMNS
    return found


def answers(case: dict, ratings: list[dict]) -> dict[int, str]:
    """Question -> answer. Question 1 is the case's own field; the others its ratings,
    from every counted copy of the case: a ref rated once (or identically each time)
    has that answer; rated differently, or with a rating that cannot be read
    (missing, unknown), it is not answered; not rated, not answered."""
    given = defaultdict(set)
    for rating in ratings:
        given[code(rating, "ref")].add(code(rating, "rating"))
    found = {1: ROSH_REASONABLE.get(code(case, "rosh_classification_reasonable"), NOT_ANSWERED)}
    for question, ref in QUESTIONS.items():
        if question != 1:
            (only, *others) = given.get(ref, {None})
            found[question] = RATING.get(only, NOT_ANSWERED) if not others else NOT_ANSWERED
    return found


def content(case: dict) -> str:
    """A case's own fields as received (its ratings are rows of their own)."""
    return json.dumps({k: v for k, v in case.items() if k != "ratings"}, sort_keys=True)


def read_pi18(landing: Path) -> Reading:
    """Every case row's outcome, by section 5's precedence: superseded, duplicate
    (an identical copy of a case already read, by file name then place), quarantined
    (unreadable, or the same case_id with different content), else in the sample."""
    exports = read_exports(landing)
    counted = latest_exports(exports)
    now = dt.datetime.now(dt.UTC)
    rows: list[Row] = []
    copies = defaultdict(list)  # case_id -> (file, place, export, case), counted exports
    for name, export in sorted(exports.items()):
        for number, case in enumerate(export["cases"], start=1):
            if name in counted:
                copies[received(case.get("case_id"))].append((name, number, export, case))
            else:
                rows.append(Row(name, number, "excluded", "superseded export"))
    sample = {}
    for ref, found in copies.items():
        versions = {content(case) for *_, case in found}
        seen = set()
        for name, number, export, case in found:
            reason = unreadable(export, case, now)
            if content(case) in seen and ref is not None:
                rows.append(Row(name, number, "duplicate"))
            elif reason or len(versions) > 1 or ref is None:
                rows.append(Row(name, number, "quarantined", reason or "conflicting duplicate"))
            else:
                ratings = [r for *_, copy in found for r in copy["ratings"]]
                sample[ref] = Case(ref, attributes(export, case), answers(case, ratings))
                rows.append(Row(name, number, "sample"))
            seen.add(content(case))
    return Reading(PROGRAMME, KEY_PREFIX, rows, sample, counted, set(exports) - counted)
