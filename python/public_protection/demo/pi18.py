"""The PI18 demo exports: 28 services' JSON case exports (input contract section 9).

No published case-level figures exist for PI18, so nothing here is calibrated: the
rates are illustrative (docs/demo-data.md lists them), chosen to give a plausible
joint structure: NPS cases mostly medium or high RoSH and often MAPPA eligible,
answers correlated through one latent quality per case, NPS above CRC on every
question. The generator has its own random stream, so the OMI2 and Q&I extracts are
byte for byte what they were before PI18 existed.

Each rule the warehouse applies is exercised, with the count the sample flow must
find recorded in the manifest: identical and conflicting duplicates (a case in two
services' exports), unreadable cases (an impossible date, an unknown code, under 18
at start), ratings with a ref the contract does not define, and a service exported
twice (its first export superseded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faker import Faker

FORMAT = "pi18-case-export/1"
FIELDWORK_DAYS = 11  # an inspection's fieldwork: its first to its last day

# (code, name, agency, police force areas it supervises in, cases at scale 1)
SERVICES: tuple[tuple[str, str, str, tuple[str, ...], int], ...] = (
    ("BGSW", "Bristol, Gloucestershire, Somerset and Wiltshire CRC", "CRC",
     ("Avon and Somerset", "Gloucestershire", "Wiltshire"), 210),
    ("BENCH", "Bedfordshire, Northamptonshire, Cambridgeshire and Hertfordshire CRC", "CRC",
     ("Bedfordshire", "Northamptonshire", "Cambridgeshire", "Hertfordshire"), 200),
    ("CGM", "Cheshire and Greater Manchester CRC", "CRC", ("Cheshire", "Greater Manchester"), 230),
    ("CL", "Cumbria and Lancashire CRC", "CRC", ("Cumbria", "Lancashire"), 190),
    ("DDC", "Dorset, Devon and Cornwall CRC", "CRC", ("Dorset", "Devon and Cornwall"), 190),
    ("DLNR", "Derbyshire, Leicestershire, Nottinghamshire and Rutland CRC", "CRC",
     ("Derbyshire", "Leicestershire", "Nottinghamshire"), 210),
    ("DTV", "Durham Tees Valley CRC", "CRC", ("Durham", "Cleveland"), 180),
    ("ESX", "Essex CRC", "CRC", ("Essex",), 180),
    ("HIOW", "Hampshire and Isle of Wight CRC", "CRC", ("Hampshire",), 180),
    ("HLNY", "Humberside, Lincolnshire and North Yorkshire CRC", "CRC",
     ("Humberside", "Lincolnshire", "North Yorkshire"), 200),
    ("KSS", "Kent, Surrey and Sussex CRC", "CRC", ("Kent", "Surrey", "Sussex"), 220),
    ("LON", "London CRC", "CRC", ("London",), 260),
    ("MER", "Merseyside CRC", "CRC", ("Merseyside",), 180),
    ("NS", "Norfolk and Suffolk CRC", "CRC", ("Norfolk", "Suffolk"), 180),
    ("NUM", "Northumbria CRC", "CRC", ("Northumbria",), 180),
    ("SYO", "South Yorkshire CRC", "CRC", ("South Yorkshire",), 180),
    ("SWM", "Staffordshire and West Midlands CRC", "CRC", ("Staffordshire", "West Midlands"), 220),
    ("TV", "Thames Valley CRC", "CRC", ("Thames Valley",), 180),
    ("WAL", "Wales CRC", "CRC", ("South Wales", "North Wales", "Dyfed-Powys", "Gwent"), 210),
    ("WWM", "Warwickshire and West Mercia CRC", "CRC", ("Warwickshire", "West Mercia"), 180),
    ("WYO", "West Yorkshire CRC", "CRC", ("West Yorkshire",), 200),
    ("NPS-LON", "NPS London", "NPS", ("London",), 240),
    ("NPS-MID", "NPS Midlands", "NPS",
     ("Derbyshire", "Leicestershire", "Nottinghamshire", "Staffordshire", "West Midlands",
      "Warwickshire", "West Mercia", "Northamptonshire", "Lincolnshire"), 240),
    ("NPS-NE", "NPS North East", "NPS",
     ("Durham", "Cleveland", "Northumbria", "North Yorkshire", "South Yorkshire",
      "West Yorkshire", "Humberside"), 240),
    ("NPS-NW", "NPS North West", "NPS",
     ("Cumbria", "Lancashire", "Merseyside", "Cheshire", "Greater Manchester"), 240),
    ("NPS-SEE", "NPS South East and Eastern", "NPS",
     ("Kent", "Surrey", "Sussex", "Essex", "Norfolk", "Suffolk", "Bedfordshire",
      "Cambridgeshire", "Hertfordshire", "Thames Valley"), 240),
    ("NPS-SWSC", "NPS South West and South Central", "NPS",
     ("Avon and Somerset", "Gloucestershire", "Wiltshire", "Dorset", "Devon and Cornwall",
      "Hampshire"), 220),
    ("NPS-WAL", "NPS Wales", "NPS", ("South Wales", "North Wales", "Dyfed-Powys", "Gwent"), 200),
)  # fmt: skip

# Every ref of the standards framework, key questions first in each standard.
REFS = (
    "2.1.3", "2.1.3a", "2.1.3b", "2.1.3c",
    "2.2.3", "2.2.3a", "2.2.3b", "2.2.3c", "2.2.3d",
    "2.3.3", "2.3.3a", "2.3.3b", "2.3.3c", "2.3.3d", "2.3.3e",
    "2.4.3", "2.4.3a", "2.4.3b", "2.4.3c",
)  # fmt: skip

# Illustrative % yes (CRC, NPS) of the refs the harmonised questions read; every other
# ref takes its standard's key question's rates. Not calibrated to anything published.
RATES = {
    "rosh_classification_reasonable": (0.78, 0.86),
    "2.1.3": (0.55, 0.70),
    "2.1.3a": (0.60, 0.74),
    "2.1.3c": (0.50, 0.66),
    "2.2.3": (0.47, 0.62),
    "2.3.3": (0.48, 0.63),
    "2.4.3": (0.44, 0.60),
    "2.4.3a": (0.40, 0.56),
}
# Sub-questions are N/A this often (no known victim, no change of circumstances, ...).
NOT_APPLICABLE = 0.12
LATENT_WEIGHT = 0.9  # how strongly one case's answers move together (logit scale)

# Invented rationales: free text about the person in a real export.
RATIONALES = (
    "Risk assessment completed on time and reviewed after the new offence.",
    "No record of contact with the police about the domestic abuse call-outs.",
    "Plan sets out the restrictions on contact with the victim.",
    "Home visit not carried out despite concerns raised by children's services.",
    "Review did not consider the information from the MAPPA meeting.",
    "Good liaison with the accommodation provider recorded throughout.",
)

OFFENCES = ("Violence", "Sexual", "Robbery", "Burglary", "Theft", "Fraud", "Criminal damage",
            "Drugs", "Motoring", "Public order", "Other")  # fmt: skip

# Rows each rule must remove, at scale 1 (multiplied by the scale).
WRONGS = {
    "identical_duplicate": 6,  # a case repeated unchanged in another service's export
    "conflicting_duplicate": 4,  # a case in two exports with different content (2 rows each)
    "impossible_date": 4,  # start_date 2018-02-30
    "unknown_code": 4,  # sex "M"
    "under_18": 3,  # 16 at the start of the order
    "unknown_ref": 6,  # a rating for ref 2.5.3, not in the framework
}
# The service exported twice: its first export is superseded by the second.
REEXPORTED = "DTV"


@dataclass
class Pi18Counts:
    """What the exports hold, for the manifest and the tests."""

    files: int = 0
    case_rows: int = 0
    sample: int = 0
    superseded: int = 0
    rating_rows: int = 0

    def as_dict(self, wrongs: dict[str, int]) -> dict[str, int]:
        return {
            "files": self.files,
            "rows": self.case_rows,
            "sample": self.sample,
            "superseded_export": self.superseded,
            "rating_rows": self.rating_rows,
            **wrongs,
        }


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


class Pi18Writer:
    """Invents one service's cases; the same stream always gives the same exports."""

    def __init__(self, seed: int) -> None:
        # its own stream: the other programmes' extracts do not change
        self.rng = np.random.default_rng([seed, 2018])
        self.faker = Faker("en_GB")
        self.faker.seed_instance(seed * 7919 + 2018)
        self.crns: set[str] = set()

    def _choice(self, options, weights=None):
        index = int(self.rng.choice(len(options), p=weights))
        return options[index]

    def _crn(self) -> str:
        while True:
            crn = f"{chr(65 + int(self.rng.integers(26)))}{int(self.rng.integers(10**6)):06d}"
            if crn not in self.crns:
                self.crns.add(crn)
                return crn

    def copy(self, case: dict, case_id: str) -> dict:
        """The same case for another person: new reference, CRN and name."""
        made = {**case, "mappa": dict(case["mappa"]), "flags": dict(case["flags"])}
        # a new list, but the same rating objects: nothing changes a rating in place once
        # made (those changed are deep copies first), and at scale 100 the copies of
        # eleven million ratings were most of the generator's memory
        made["ratings"] = list(case["ratings"])
        made.update(case_id=case_id, crn=self._crn(), name=self.faker.name())
        return made

    def case(self, case_id: str, agency: str, areas: tuple[str, ...], fieldwork: dt.date) -> dict:
        nps = agency == "NPS"
        rng = self.rng
        rosh = self._choice(
            ["Low", "Medium", "High", "Very high", None],
            [0.04, 0.34, 0.52, 0.09, 0.01] if nps else [0.36, 0.53, 0.09, 0.01, 0.01],
        )
        high = rosh in ("High", "Very high")
        eligible = bool(rng.random() < (0.55 if high else 0.12) * (1.0 if nps else 0.3))
        start = fieldwork - dt.timedelta(days=int(rng.integers(60, 540)))
        age = int(rng.integers(18, 68))
        # at least ``age`` whole years old at the start (day 28 at most: no 29 February)
        birthday = dt.date(start.year - age, start.month, min(start.day, 28))
        birth = birthday - dt.timedelta(days=int(rng.integers(1, 300)))
        quality = float(rng.normal())
        index = 1 if nps else 0

        def answer(ref: str, allow_na: bool) -> str:
            if allow_na and rng.random() < NOT_APPLICABLE:
                return "N/A"
            base = RATES.get(ref) or RATES[ref.rstrip("abcde")]
            p = 1 / (1 + math.exp(-(_logit(base[index]) + LATENT_WEIGHT * quality)))
            return "Yes" if rng.random() < p else "No"

        ratings = [
            {
                "ref": ref,
                "rating": answer(ref, ref[-1].isalpha()),
                "rationale": RATIONALES[int(rng.integers(len(RATIONALES)))],
            }
            for ref in REFS
        ]
        sex = self._choice(["Male", "Female", "Not known", None], [0.84, 0.13, 0.02, 0.01])
        return {
            "case_id": case_id,
            "crn": self._crn(),
            "name": self.faker.name_male() if sex == "Male" else self.faker.name_female(),
            "date_of_birth": birth.isoformat(),
            "start_date": start.isoformat(),
            "pcc_area": self._choice(list(areas)),
            "sex": sex,
            "ethnicity": self._choice(
                ["White", "Mixed", "Asian", "Black", "Other", "Not known", None],
                [0.79, 0.04, 0.06, 0.05, 0.02, 0.03, 0.01],
            ),
            "sentence": self._choice(
                [
                    "Community order",
                    "Suspended sentence order",
                    "Licence",
                    "Post-sentence supervision",
                ],
                [0.22, 0.12, 0.56, 0.10] if nps else [0.42, 0.24, 0.20, 0.14],
            ),
            "rosh": rosh,
            "mappa": {
                "eligible": eligible,
                "category": int(rng.integers(1, 4)) if eligible else None,
                "level": int(rng.integers(1, 3)) if eligible else None,
            },
            "offence": self._choice(
                list(OFFENCES),
                [0.30, 0.18, 0.06, 0.06, 0.08, 0.03, 0.03, 0.08, 0.05, 0.05, 0.08]
                if nps
                else [0.26, 0.02, 0.04, 0.10, 0.16, 0.05, 0.05, 0.12, 0.07, 0.06, 0.07],
            ),
            "flags": {
                "domestic_abuse": bool(rng.random() < 0.32) if rng.random() > 0.02 else None,
                "iom": bool(rng.random() < (0.06 if nps else 0.12)),
                "child_protection": bool(rng.random() < 0.22) if rng.random() > 0.03 else None,
            },
            "rosh_classification_reasonable": answer("rosh_classification_reasonable", False)
            if rng.random() > 0.01
            else None,
            "ratings": ratings,
            "notes": self.faker.sentence(),
        }


def _export(service, fieldwork: dt.date, exported_at: dt.datetime, cases: list[dict]) -> dict:
    code, name, agency, _, _ = service
    return {
        "format": FORMAT,
        "exported_at": exported_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "inspection": {
            "id": inspection_id(code, fieldwork),
            "service": name,
            "agency": agency,
            "fieldwork_start": fieldwork.isoformat(),
            "fieldwork_end": (fieldwork + dt.timedelta(days=FIELDWORK_DAYS)).isoformat(),
        },
        "cases": cases,
    }


def inspection_id(code: str, fieldwork: dt.date) -> str:
    return f"PI18-{fieldwork:%Y-%m}-{code}"


def write_pi18(folder: Path, seed: int = 0, scale: int = 1) -> tuple[dict[str, dict], dict]:
    """Write the 28 services' exports (and one re-export) into ``folder``.

    Returns the files written (name -> rows, sha256) and the counts each rule must
    find, for the manifest.
    """
    writer = Pi18Writer(seed)
    rng = writer.rng
    folder.mkdir(parents=True, exist_ok=True)
    # fieldwork from June 2018 to June 2019, services in a fixed random order
    order = rng.permutation(len(SERVICES))
    fieldwork = {
        SERVICES[i][0]: dt.date(2018, 6, 4) + dt.timedelta(weeks=2 * rank)
        for rank, i in enumerate(order)
    }
    planned = {
        code: [
            writer.case(f"PI18-{code}-{n:05d}", agency, areas, fieldwork[code])
            for n in range(1, size + 1)
        ]
        for code, _, agency, areas, size in SERVICES
    }
    # At scale K, K copies of the scale-1 cases with new people and references (drawn
    # after every scale-1 case, which so stay the same), as for OMI2 and Q&I: every n is
    # multiplied by K and every percentage unchanged.
    exports: dict[str, list[dict]] = {
        code: cases
        + [
            writer.copy(case, f"PI18-{code}-{len(cases) * copy + n:05d}")
            for copy in range(1, scale)
            for n, case in enumerate(cases, start=1)
        ]
        for code, cases in planned.items()
    }
    counts = Pi18Counts(sample=sum(len(c) for c in exports.values()))
    wrongs: dict[str, int] = {}
    codes = [s[0] for s in SERVICES if s[0] != REEXPORTED]

    def spare(code: str) -> dict:
        service = next(s for s in SERVICES if s[0] == code)
        n = len(exports[code]) + 1
        return writer.case(f"PI18-{code}-{n:05d}", service[2], service[3], fieldwork[code])

    agency = {s[0]: s[2] for s in SERVICES}

    def elsewhere(code: str, case: dict) -> str | None:
        """Another service of the same agency (a case transferred between them) whose
        fieldwork ends on or after the case's start (no export holds an order that
        starts after its inspection); None when there is none."""
        start = dt.date.fromisoformat(case["start_date"])
        others = [
            c
            for c in codes
            if c != code
            and agency[c] == agency[code]
            and fieldwork[c] + dt.timedelta(days=FIELDWORK_DAYS) >= start
        ]
        return others[int(rng.integers(len(others)))] if others else None

    # A case repeated unchanged in another service's export: counted once.
    # (A case no other service could hold is drawn again.)
    for _ in range(WRONGS["identical_duplicate"] * scale):
        other = None
        while other is None:
            code = codes[int(rng.integers(len(codes)))]
            case = exports[code][int(rng.integers(len(exports[code])))]
            other = elsewhere(code, case)
        exports[other].append(json.loads(json.dumps(case)))
    wrongs["identical_duplicates"] = WRONGS["identical_duplicate"] * scale
    # A case in two exports with different content: both quarantined.
    for _ in range(WRONGS["conflicting_duplicate"] * scale):
        holder = None
        while holder is None:
            code = codes[int(rng.integers(len(codes)))]
            case = spare(code)
            holder = elsewhere(code, case)
        other = json.loads(json.dumps(case))
        other["offence"] = "Other" if case["offence"] != "Other" else "Theft"
        exports[code].append(case)
        exports[holder].append(other)
    wrongs["quarantined_conflicting_duplicate"] = 2 * WRONGS["conflicting_duplicate"] * scale
    for kind, field, value in (
        ("impossible_date", "start_date", "2018-02-30"),
        ("unknown_code", "sex", "M"),
        ("under_18", None, None),
    ):
        for _ in range(WRONGS[kind] * scale):
            code = codes[int(rng.integers(len(codes)))]
            case = spare(code)
            if field is not None:
                case[field] = value
            else:  # 16 at the start of the order
                start = dt.date.fromisoformat(case["start_date"])
                case["date_of_birth"] = (start - dt.timedelta(days=16 * 365 + 30)).isoformat()
            exports[code].append(case)
        wrongs[f"quarantined_{kind}"] = WRONGS[kind] * scale
    # Ratings with a ref the framework does not have: quarantined, their case counts.
    sample_cases = [c for code in codes for c in exports[code][: 10 * scale]]
    for case in sample_cases[: WRONGS["unknown_ref"] * scale]:
        case["ratings"].append({"ref": "2.5.3", "rating": "Yes", "rationale": "x"})
    wrongs["quarantined_unknown_ref_ratings"] = WRONGS["unknown_ref"] * scale

    files: dict[str, dict] = {}

    def write(name: str, document: dict) -> None:
        path = folder / name
        # compact, as an export tool writes it: the demo at scale 100 is gigabytes otherwise
        data = (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        path.write_bytes(data)
        files[f"pi18/{name}"] = {
            "rows": len(document["cases"]),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        counts.files += 1
        counts.case_rows += len(document["cases"])
        counts.rating_rows += sum(len(c["ratings"]) for c in document["cases"])

    for service in SERVICES:
        code = service[0]
        start = fieldwork[code]
        exported = dt.datetime.combine(start + dt.timedelta(days=40), dt.time(10, 14))
        document = _export(service, start, exported, exports[code])
        if code == REEXPORTED:
            # the first export, superseded by a corrected one a week later
            first = json.loads(json.dumps(document))
            for case in first["cases"][:5]:
                case["ratings"][1]["rating"] = (
                    "No" if case["ratings"][1]["rating"] == "Yes" else "Yes"
                )
            write(f"PI18_{document['inspection']['id']}.json", first)
            counts.superseded = len(first["cases"])
            document["exported_at"] = (exported + dt.timedelta(days=7)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            write(f"PI18_{document['inspection']['id']}_2.json", document)
        else:
            write(f"PI18_{document['inspection']['id']}.json", document)
    return files, counts.as_dict(wrongs)
