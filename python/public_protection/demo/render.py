"""Render the case plan as raw extracts, exactly in the spec's layout.

The plan fixes each sample case's attributes and answers; rendering invents
everything else (names, reference numbers, dates, codes, free text) from the
seed, and adds the rows the sample rules must remove or quarantine, so that
every rule is exercised with a documented count (``manifest.json``).
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import functools
import hashlib
import io
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from faker import Faker

from public_protection.demo.calibrate import PlannedCase
from public_protection.demo.geography import (
    AREA_TRUST,
    INSPECTIONS,
    SUPERSEDED_INSPECTIONS,
    TRUSTS,
    sample_inspections,
    trust_name,
)
from public_protection.demo.layouts import (
    OMI2_CASES,
    OMI2_ENCODING,
    OMI2_JUDGEMENT_COLUMNS,
    OMI2_UNMATCHED_COLUMNS,
    QI_CASES,
    QI_JUDGEMENTS,
    QI_MATCHED_REFS,
    QI_UNMATCHED_REFS,
)
from public_protection.demo.pi18 import write_pi18
from public_protection.demo.xlsx import EXCEL_MAX_ROWS, write_workbook
from public_protection.layout import DEMO_MANIFEST

# Rows beyond the sample at scale 1 (multiplied by the scale), one count per rule.
OMI2_EXTRAS = {
    "out_of_area_trust_per_trust": 20,  # each of the 23 trusts outside the 12 areas
    "custody": 48,
    "identical_duplicates": 30,
}
OMI2_QUARANTINE = {
    "impossible_date": 3,
    "unknown_code": 3,
    "dob_after_sentence": 2,
    "under_18": 2,
    "conflicting_duplicate": 1,  # one reference received twice with different content
}
QI_EXTRAS = {"QI-2017-04-GWE": 45, "QI-2017-06-SUF": 40, "QI-2016-12-LON": 70}
QI_QUARANTINE = {
    "impossible_age": 1,
    "unknown_code": 2,
    "under_18": 2,
    "conflicting_duplicate": 1,
}

AGE_BANDS = {
    "18-20": (18, 20),
    "21-24": (21, 24),
    "25-29": (25, 29),
    "30-39": (30, 39),
    "40-49": (40, 49),
    "50+": (50, 72),
}
OMI2_OFFENCE = {
    "Violence": "VAP",
    "Sexual": "SEX",
    "Robbery": "ROB",
    "Burglary": "BUR",
    "Theft": "THF",
    "Fraud": "FRD",
    "Criminal damage": "CRD",
    "Drugs": "DRG",
    "Motoring": "MOT",
    "Public order": "PUB",
    "Other": "OTH",
}
WHITE_CODES = (("W1", 0.8), ("W2", 0.05), ("W9", 0.15))
BAME_CODES = (
    ("M1", 0.06), ("M2", 0.04), ("M3", 0.05), ("M9", 0.05),
    ("A1", 0.14), ("A2", 0.12), ("A3", 0.06), ("A9", 0.05),
    ("B1", 0.16), ("B2", 0.14), ("B9", 0.05), ("O1", 0.04), ("O9", 0.04),
)  # fmt: skip
QI_WHITE = (("White British", 0.85), ("White Irish", 0.03), ("White Other", 0.12))
QI_BAME = (
    ("Mixed", 0.2),
    ("Asian or Asian British", 0.35),
    ("Black or Black British", 0.35),
    ("Chinese or Other", 0.1),
)
OMI2_FILES = ("omi2_extract_2009-2010.csv", "omi2_extract_2011-2012.csv")


@dataclass
class Manifest:
    """What the demo wrote and what each sample rule should find (``manifest.json``)."""

    seed: int
    scale: int
    files: dict[str, dict] = field(default_factory=dict)
    omi2: dict[str, int] = field(default_factory=dict)
    qi: dict[str, int] = field(default_factory=dict)
    qi_judgements: dict[str, int] = field(default_factory=dict)
    pi18: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> str:
        document = {
            "generator": "public-protection demo-data",
            "seed": self.seed,
            "scale": self.scale,
            "personal_data": "entirely synthetic: names, references and dates are invented",
            "omi2_rows": self.omi2,
            "qi_case_rows": self.qi,
            "qi_judgement_rows": self.qi_judgements,
            "pi18_case_rows": self.pi18,
            "files": self.files,
        }
        return json.dumps(document, indent=2, sort_keys=False) + "\n"

    def summary(self) -> str:
        """One line on what was written, for the command line."""
        return (
            f"wrote {len(self.files)} files: OMI2 {self.omi2['rows']:,} rows "
            f"({self.omi2['sample']:,} in the sample), Q&I {self.qi['rows']:,} cases "
            f"({self.qi['sample']:,} in the sample), "
            f"{self.qi_judgements['rows']:,} judgement rows, PI18 {self.pi18['rows']:,} cases "
            f"({self.pi18['sample']:,} in the sample), {self.pi18['rating_rows']:,} ratings; "
            "see manifest.json"
        )


class People:
    """Invented people: en_GB names from Faker's lists, unique CRN-like references."""

    def __init__(self, rng: np.random.Generator, seed: int):
        faker = Faker("en_GB")
        provider = faker.provider("faker.providers.person")
        self.male = sorted(set(provider.first_names_male))
        self.female = sorted(set(provider.first_names_female))
        self.surnames = sorted(set(provider.last_names))
        self.rng = rng
        self.crn_step = 7_919_993  # coprime with the 26,000,000 references
        self.crn_offset = int(seed) % 26_000_000
        self.issued = 0

    def name(self, gender: str | None) -> tuple[str, str]:
        if gender is None:
            gender = "Male" if self.rng.random() < 0.85 else "Female"
        pool = self.male if gender == "Male" else self.female
        forename = pool[int(self.rng.integers(len(pool)))]
        surname = self.surnames[int(self.rng.integers(len(self.surnames)))]
        return forename, surname

    def crn(self) -> str:
        number = (self.crn_offset + self.issued * self.crn_step) % 26_000_000
        self.issued += 1
        letter, digits = divmod(number, 1_000_000)
        return f"{chr(65 + letter)}{digits:06d}"


@functools.cache
def _cumulative(weighted: tuple) -> tuple[tuple, list[float]]:
    values, weights = zip(*weighted, strict=True)
    total = sum(weights)
    return values, list(itertools.accumulate(w / total for w in weights))


def _pick(rng: np.random.Generator, weighted: tuple):
    """Draw one value from ``((value, weight), ...)``; cheap enough for millions of cells."""
    values, cumulative = _cumulative(weighted)
    index = bisect.bisect_right(cumulative, rng.random())
    return values[min(index, len(values) - 1)]


def _date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


class Omi2Writer:
    """Builds OMI2 rows (dicts keyed by spec column) for sample and extra cases."""

    def __init__(self, rng: np.random.Generator, people: People):
        self.rng = rng
        self.people = people
        self.sequence: Counter[str] = Counter()
        # Each trust was inspected in one month of the 2009-2012 programme.
        months = [(y, m) for y in range(2009, 2013) for m in range(1, 13)]
        months = [ym for ym in months if (2009, 4) <= ym <= (2012, 3)]
        self.month = {t: months[int(rng.integers(len(months)))] for t in sorted(TRUSTS)}

    def case_ref(self, trust: str) -> str:
        self.sequence[trust] += 1
        return f"OMI2/{TRUSTS[trust]}/{self.sequence[trust]:04d}"

    def row(self, case: PlannedCase, trust: str, sentence_type: str | None = None) -> dict:
        rng = self.rng
        year, month = self.month[trust]
        inspected = dt.date(year, month, 1)
        sentence = inspected - dt.timedelta(days=int(rng.integers(270, 366)))
        forename, surname = self.people.name(case.gender)
        dob = ""
        if case.age_group is not None:
            low, high = AGE_BANDS[case.age_group]
            age = int(rng.integers(low, high + 1))
            latest = _years_before(sentence, age)  # turns `age` on this day
            earliest = _years_before(sentence, age + 1) + dt.timedelta(days=1)
            span = (latest - earliest).days
            dob = _date(earliest + dt.timedelta(days=int(rng.integers(0, span + 1))))
        if sentence_type is None:
            if case.supervision_type == "Post-custody":
                sentence_type = "LIC"
            else:
                sentence_type = "CO" if rng.random() < 0.68 else "SSO"
        if case.ethnic_group == "White":
            ethnic = _pick(rng, WHITE_CODES)
        elif case.ethnic_group is None:
            ethnic = "NS" if rng.random() < 0.5 else ""
        else:
            ethnic = _pick(rng, BAME_CODES)
        rosh = {"Low": "L", "Medium": "M", None: ""}.get(case.rosh_level)
        if rosh is None:
            rosh = "VH" if rng.random() < 0.18 else "H"
        category, level = "", ""
        if case.mappa_eligible == "No":
            category = "0"
        elif case.mappa_eligible == "Yes":
            category = (
                "1"
                if case.offence_category == "Sexual"
                else _pick(rng, (("1", 0.2), ("2", 0.7), ("3", 0.1)))
            )
            level = _pick(rng, (("1", 0.9), ("2", 0.08), ("3", 0.02)))
        row = {
            "CaseRef": self.case_ref(trust),
            "Trust": trust_name(trust),
            "InspectionMonth": f"{month:02d}/{year}",
            "CRN": self.people.crn(),
            "Forename": forename,
            "Surname": surname,
            "DOB": dob,
            "SentenceDate": _date(sentence),
            "Sex": {"Male": "M", "Female": "F", None: ""}[case.gender],
            "EthnicCode": ethnic,
            "SentenceType": sentence_type,
            "RoSH": rosh,
            "MAPPACategory": category,
            "MAPPALevel": level,
            "OffenceGroup": OMI2_OFFENCE[case.offence_category],
            "DAPerpetrator": _yn(case.domestic_abuse_perpetrator),
            "IOM": _yn(case.iom_case),
            "ChildProtection": _yn(case.child_protection_case),
        }
        for column, answer in zip(OMI2_JUDGEMENT_COLUMNS, case.answers, strict=True):
            row[column] = self._code(answer)
        for column in OMI2_UNMATCHED_COLUMNS:
            row[column] = _pick(rng, (("1", 0.6), ("2", 0.3), ("8", 0.1)))
        row["InspectorComments"] = _comment(rng, forename, surname)
        return row

    def _code(self, answer: str) -> str:
        if answer == "Yes":
            return "1"
        if answer == "No":
            return "2"
        return _pick(self.rng, (("8", 0.6), ("9", 0.2), ("", 0.2)))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _yn(flag: bool | None) -> str:
    return "" if flag is None else ("Y" if flag else "N")


COMMENT_TEMPLATES = (
    "{f} {s} was seen within five days of sentence; risk factors discussed.",
    'RoSH screening completed. {f} said "I just want to get on with things".',
    "Address checks made with the police, children's services and housing, for {f}.",
    "Review missed after {f}'s arrest;\nno reassessment followed the new information.",
    "Good liaison with partner agencies, {s} engaged well.",
    "",
)


def _comment(rng: np.random.Generator, forename: str, surname: str) -> str:
    template = COMMENT_TEMPLATES[int(rng.integers(len(COMMENT_TEMPLATES)))]
    return template.format(f=forename, s=surname)


def _vary(rng: np.random.Generator, text: str) -> str:
    """Stray spaces and odd letter case, as hand-kept workbooks have."""
    if not text or rng.random() > 0.06:
        return text
    choice = int(rng.integers(4))
    return (text.lower(), text.upper(), f"{text} ", f" {text}")[choice]


class QiWriter:
    """Builds Q&I case and judgement rows."""

    def __init__(self, rng: np.random.Generator, people: People):
        self.rng = rng
        self.people = people
        self.sequence: Counter[str] = Counter()

    def case_id(self, inspection: str) -> str:
        code, year = inspection[-3:], inspection[5:7]
        # London's two 2018 inspections share one numbering, so ids stay unique.
        self.sequence[code + year] += 1
        return f"QI-{code}-{year}-{self.sequence[code + year]:04d}"

    def rows(self, case: PlannedCase, inspection: str) -> tuple[dict, list[dict]]:
        rng = self.rng
        forename, surname = self.people.name(case.gender)
        age: int | str | None = None
        if case.age_group is not None:
            low, high = AGE_BANDS[case.age_group]
            age = int(rng.integers(low, high + 1))
        if case.supervision_type == "Post-custody":
            sentence = "Licence" if rng.random() < 0.7 else "Post Sentence Supervision"
        else:
            sentence = "Community Order" if rng.random() < 0.65 else "Suspended Sentence Order"
        if case.ethnic_group == "White":
            ethnicity = _pick(rng, QI_WHITE)
        elif case.ethnic_group is None:
            ethnicity = "Not known" if rng.random() < 0.6 else None
        else:
            ethnicity = _pick(rng, QI_BAME)
        if case.rosh_level == "High/Very high":
            rosh = "Very High" if rng.random() < 0.15 else "High"
        elif case.rosh_level is None:
            rosh = "Not assessed" if rng.random() < 0.6 else None
        else:
            rosh = case.rosh_level
        mappa = {"No": "Not MAPPA", None: None}.get(case.mappa_eligible, "")
        if mappa == "":
            mappa = (
                "Category 1"
                if case.offence_category == "Sexual"
                else _pick(rng, (("Category 1", 0.2), ("Category 2", 0.7), ("Category 3", 0.1)))
            )
        gender = {"Male": "Male", "Female": "Female", None: "Not known"}[case.gender]
        case_id = self.case_id(inspection)
        cases_row = {
            "Case ID": case_id,
            "Inspection ID": inspection,
            "PCC area": INSPECTIONS[inspection][0],
            "Provider": _vary(rng, case.agency),
            "CRN": self.people.crn(),
            "Service user name": f"{forename} {surname}",
            "Age": age,
            "Gender": _vary(rng, gender),
            "Ethnicity": ethnicity,
            "Sentence type": sentence,
            "RoSH": _vary(rng, rosh) if rosh else rosh,
            "MAPPA": mappa,
            "Offence category": case.offence_category,
            "DA perpetrator": _yes_no(case.domestic_abuse_perpetrator),
            "IOM": _yes_no(case.iom_case),
            "Child protection": _yes_no(case.child_protection_case),
            "Notes": _comment(rng, forename, surname),
        }
        judgements = []
        for ref, answer in zip(QI_MATCHED_REFS, case.answers, strict=True):
            if not answer:
                answer = _pick(rng, (("N/A", 0.55), ("Not answered", 0.15), (None, 0.3)))
                if answer is None:
                    continue  # no row: not answered
            judgements.append(self._judgement(case_id, ref, answer, forename))
        for ref in QI_UNMATCHED_REFS:
            if rng.random() < 0.9:
                answer = _pick(rng, (("Yes", 0.6), ("No", 0.3), ("N/A", 0.1)))
                judgements.append(self._judgement(case_id, ref, answer, forename))
        return cases_row, judgements

    def _judgement(self, case_id: str, ref: str, answer: str, forename: str) -> dict:
        rationale = None
        if self.rng.random() < 0.4:
            rationale = f"Evidence in {forename}'s record supports this."
        return {
            "Case ID": case_id,
            "Question ref": ref,
            "Answer": _vary(self.rng, answer),
            "Rationale": rationale,
        }


def _yes_no(flag: bool | None) -> str | None:
    return None if flag is None else ("Yes" if flag else "No")


# --- extras and quarantine ------------------------------------------------------------


def _spare_case(rng: np.random.Generator, template: PlannedCase) -> PlannedCase:
    """A case outside the sample: like a sample case, with answers re-drawn."""
    drawn = tuple(_pick(rng, (("Yes", 0.7), ("No", 0.2), ("", 0.1))) for _ in range(7))
    return PlannedCase(**{**template.__dict__, "answers": drawn})


def _corrupt_omi2(kind: str, row: dict, rng: np.random.Generator) -> dict:
    row = dict(row)
    if kind == "impossible_date":
        row["SentenceDate"] = ("31/02/2011", "00/05/2010", "2010-06-15")[int(rng.integers(3))]
    elif kind == "unknown_code":
        column, value = (("RoSH", "X"), ("SentenceType", "DTO"), ("EthnicCode", "Z9"))[
            int(rng.integers(3))
        ]
        row[column] = value
    elif kind == "dob_after_sentence":
        sentence = dt.datetime.strptime(row["SentenceDate"], "%d/%m/%Y").date()
        row["DOB"] = _date(sentence + dt.timedelta(days=int(rng.integers(30, 400))))
    elif kind == "under_18":
        sentence = dt.datetime.strptime(row["SentenceDate"], "%d/%m/%Y").date()
        row["DOB"] = _date(_years_before(sentence, 16) - dt.timedelta(days=40))
    return row


# --- writing --------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_csv(path: Path, rows: list[dict]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=OMI2_CASES.columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(OMI2_ENCODING))


def render(plan: list[PlannedCase], landing: Path, seed: int = 0, scale: int = 1) -> Manifest:
    """Write the demo extracts for ``plan`` at ``scale`` into ``landing``."""
    if scale < 1:
        raise ValueError("scale must be a whole number of at least 1")
    rng = np.random.default_rng(seed)
    people = People(rng, seed)
    omi2 = Omi2Writer(rng, people)
    qi = QiWriter(rng, people)
    manifest = Manifest(seed=seed, scale=scale)
    sample = {p: [c for c in plan if c.programme == p] for p in ("OMI2", "Q&I")}

    # OMI2: sample cases, then the rows each rule must remove.
    omi2_rows: list[dict] = []
    for _ in range(scale):
        for case in sample["OMI2"]:
            omi2_rows.append(omi2.row(case, AREA_TRUST[case.area]))
    manifest.omi2["sample"] = len(omi2_rows)
    sample_rows = {id(row) for row in omi2_rows}
    templates = sample["OMI2"]

    def template() -> PlannedCase:
        return templates[int(rng.integers(len(templates)))]

    out_of_area = [t for t in sorted(TRUSTS) if t not in AREA_TRUST.values()]
    excluded = 0
    for trust in out_of_area:
        for _ in range(OMI2_EXTRAS["out_of_area_trust_per_trust"] * scale):
            omi2_rows.append(omi2.row(_spare_case(rng, template()), trust))
            excluded += 1
    manifest.omi2["excluded_out_of_area_trust"] = excluded
    areas = sorted(AREA_TRUST)
    for _ in range(OMI2_EXTRAS["custody"] * scale):
        trust = AREA_TRUST[areas[int(rng.integers(len(areas)))]]
        omi2_rows.append(omi2.row(_spare_case(rng, template()), trust, sentence_type="CUST"))
    manifest.omi2["excluded_custody"] = OMI2_EXTRAS["custody"] * scale
    quarantined = 0
    for kind, count in OMI2_QUARANTINE.items():
        for _ in range(count * scale):
            trust = AREA_TRUST[areas[int(rng.integers(len(areas)))]]
            row = omi2.row(_spare_case(rng, template()), trust)
            if kind == "conflicting_duplicate":
                twin = dict(row)
                twin["RH05"] = "2" if row["RH05"] == "1" else "1"
                omi2_rows += [row, twin]
                quarantined += 2
            else:
                omi2_rows.append(_corrupt_omi2(kind, row, rng))
                quarantined += 1
        manifest.omi2[f"quarantined_{kind}"] = (
            count * scale * (2 if kind == "conflicting_duplicate" else 1)
        )
    manifest.omi2["quarantined"] = quarantined

    # Two overlapping exports: split by inspection year, some rows in both.
    order = rng.permutation(len(omi2_rows))
    first, second = [], []
    for index in order:
        row = omi2_rows[index]
        (first if int(row["InspectionMonth"][-4:]) <= 2010 else second).append(row)
    duplicates = min(OMI2_EXTRAS["identical_duplicates"] * scale, len(first))
    # Only sample rows are exported twice, so each rule's count stays separate.
    overlap = [r for r in first if id(r) in sample_rows][:duplicates]
    second = overlap + second
    manifest.omi2["identical_duplicates"] = len(overlap)
    manifest.omi2["rows"] = len(first) + len(second)
    for name, rows in zip(OMI2_FILES, (first, second), strict=True):
        path = landing / "omi2" / name
        _write_csv(path, rows)
        manifest.files[f"omi2/{name}"] = {"rows": len(rows), "sha256": _sha256(path)}

    # Q&I: one workbook per inspection.
    by_inspection: dict[str, list[tuple[dict, list[dict]]]] = defaultdict(list)
    for _ in range(scale):
        for case in sample["Q&I"]:
            choices = sample_inspections(case.area)
            inspection = choices[int(rng.integers(len(choices)))]
            by_inspection[inspection].append(qi.rows(case, inspection))
    manifest.qi["sample"] = sum(len(v) for v in by_inspection.values())
    qi_templates = sample["Q&I"]
    for inspection, count in QI_EXTRAS.items():
        for _ in range(count * scale):
            base = qi_templates[int(rng.integers(len(qi_templates)))]
            by_inspection[inspection].append(qi.rows(_spare_case(rng, base), inspection))
        rule = "superseded_inspection" if inspection in SUPERSEDED_INSPECTIONS else "unmatched_area"
        manifest.qi[f"excluded_{rule}"] = manifest.qi.get(f"excluded_{rule}", 0) + count * scale
    qi_quarantined = 0
    matched = sorted(
        i
        for i in INSPECTIONS
        if i not in SUPERSEDED_INSPECTIONS and INSPECTIONS[i][0] in AREA_TRUST
    )
    for kind, count in QI_QUARANTINE.items():
        for _ in range(count * scale):
            inspection = matched[int(rng.integers(len(matched)))]
            base = qi_templates[int(rng.integers(len(qi_templates)))]
            cases_row, judgements = qi.rows(_spare_case(rng, base), inspection)
            if kind == "impossible_age":
                cases_row["Age"] = 203
            elif kind == "under_18":
                cases_row["Age"] = 16
            elif kind == "unknown_code":
                cases_row["Sentence type"] = "Youth Rehabilitation Order"
            if kind == "conflicting_duplicate":
                twin = dict(cases_row)
                twin["RoSH"] = "Low" if cases_row["RoSH"] != "Low" else "High"
                by_inspection[inspection].append((cases_row, judgements))
                by_inspection[inspection].append((twin, []))
                qi_quarantined += 2
            else:
                by_inspection[inspection].append((cases_row, judgements))
                qi_quarantined += 1
        manifest.qi[f"quarantined_{kind}"] = (
            count * scale * (2 if kind == "conflicting_duplicate" else 1)
        )
    manifest.qi["quarantined"] = qi_quarantined
    manifest.qi["rows"] = sum(len(v) for v in by_inspection.values())
    judgement_counts: Counter[str] = Counter()
    for inspection in sorted(by_inspection):
        entries = by_inspection[inspection]
        order = rng.permutation(len(entries))
        entries = [entries[i] for i in order]
        for part, chunk in enumerate(_parts(entries), start=1):
            suffix = "" if part == 1 else f"_part{part}"
            name = f"QI_{inspection}{suffix}.xlsx"
            case_rows = [c for c, _ in chunk]
            judgement_rows = [j for _, js in chunk for j in js]
            for j in judgement_rows:
                kind = "matched" if j["Question ref"] in QI_MATCHED_REFS else "unmatched_question"
                judgement_counts[kind] += 1
            path = landing / "qi" / name
            write_workbook(
                path,
                {
                    "Cases": (QI_CASES.columns, _as_cells(case_rows, QI_CASES.columns)),
                    "Judgements": (
                        QI_JUDGEMENTS.columns,
                        _as_cells(judgement_rows, QI_JUDGEMENTS.columns),
                    ),
                },
            )
            manifest.files[f"qi/{name}"] = {
                "cases": len(case_rows),
                "judgements": len(judgement_rows),
                "sha256": _sha256(path),
            }
    manifest.qi_judgements = dict(sorted(judgement_counts.items()))
    manifest.qi_judgements["rows"] = sum(judgement_counts.values())
    # PI18 from its own random stream: the extracts above do not depend on it.
    files, manifest.pi18 = write_pi18(landing / "pi18", seed=seed, scale=scale)
    manifest.files.update(files)
    (landing / DEMO_MANIFEST).write_text(manifest.as_json(), encoding="utf-8")
    return manifest


def _as_cells(rows: list[dict], columns) -> list[list]:
    return [[row.get(c) for c in columns] for row in rows]


def _parts(entries: list[tuple[dict, list[dict]]]) -> Iterator[list]:
    """Split an inspection so no sheet passes Excel's row limit (cases keep their rows)."""
    limit = EXCEL_MAX_ROWS - 1
    chunk: list = []
    judgements = 0
    for entry in entries:
        if chunk and (len(chunk) + 1 > limit or judgements + len(entry[1]) > limit):
            yield chunk
            chunk, judgements = [], 0
        chunk.append(entry)
        judgements += len(entry[1])
    if chunk:
        yield chunk
