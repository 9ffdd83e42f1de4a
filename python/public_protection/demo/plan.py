"""The case plan: every sample case's attributes and answers, before rendering.

Calibration takes about a minute, so its result is kept as a small CSV in the
package (``case_plan.csv``) that ``demo-data`` renders in seconds.
``public-protection calibrate`` rebuilds it from its seed, and the tests check
that the committed copy still meets every published figure.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from public_protection.demo.calibrate import PlannedCase, answers, proxy_agency
from public_protection.demo.targets import (
    AGENCY_CHANGE_PP,
    AGENCY_LEVEL_PCT,
    NPS_CASES,
    PROGRAMME_SIZE,
    PROGRAMMES,
    Q7_FLAG_PCT,
    QI_PROXY_DISAGREEMENTS,
    QUESTIONS,
    read_area_sample,
    read_subgroup_cells,
    rounds_to,
)

PLAN_PATH = Path(__file__).with_name("case_plan.csv")
CALIBRATION_SEED = 0

FIELDS = (
    "programme",
    "area",
    "agency",
    "gender",
    "age_group",
    "ethnic_group",
    "supervision_type",
    "rosh_level",
    "mappa_eligible",
    "offence_category",
    "domestic_abuse_perpetrator",
    "iom_case",
    "child_protection_case",
    *(f"q{q}" for q in QUESTIONS),
)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _flag(text: str) -> bool | None:
    return None if text == "" else text == "Yes"


def plan_to_csv(cases: list[PlannedCase]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for case in cases:
        row = [_text(getattr(case, f)) for f in FIELDS[:13]]
        writer.writerow(row + list(case.answers))
    return buffer.getvalue()


def read_plan(path: Path = PLAN_PATH) -> list[PlannedCase]:
    cases = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            given = tuple(row[f"q{q}"] for q in QUESTIONS)
            mask = sum(1 << (q - 1) for q in QUESTIONS if given[q - 1])
            cases.append(
                PlannedCase(
                    programme=row["programme"],
                    mask=mask,
                    gender=row["gender"] or None,
                    age_group=row["age_group"] or None,
                    ethnic_group=row["ethnic_group"] or None,
                    supervision_type=row["supervision_type"],
                    rosh_level=row["rosh_level"] or None,
                    mappa_eligible=row["mappa_eligible"] or None,
                    agency=row["agency"],
                    area=row["area"],
                    offence_category=row["offence_category"],
                    domestic_abuse_perpetrator=_flag(row["domestic_abuse_perpetrator"]),
                    iom_case=_flag(row["iom_case"]),
                    child_protection_case=_flag(row["child_protection_case"]),
                    answers=given,
                )
            )
    return cases


def _yes_rate(cases: list[PlannedCase], question: int) -> tuple[int, int]:
    given = [c.answers[question - 1] for c in cases if c.answers[question - 1]]
    return sum(a == "Yes" for a in given), len(given)


def check_plan(cases: list[PlannedCase]) -> list[str]:
    """Every published figure the plan must reproduce; returns the misses (none is good)."""
    misses = []
    for cell in read_subgroup_cells():
        pool = [c for c in cases if cell.programme in ("All", c.programme)]
        if cell.variable != "all":
            pool = [c for c in pool if getattr(c, cell.variable) == cell.category]
        yes, n = _yes_rate(pool, cell.question)
        if n != cell.n or not rounds_to(yes, n, cell.pct):
            misses.append(f"{cell}: got n={n}, yes={yes}")
    areas = read_area_sample()
    counted: dict[tuple[str, str], int] = defaultdict(int)
    for case in cases:
        counted[(case.area, case.programme)] += 1
    for area, by_programme in areas.items():
        for programme, n in by_programme.items():
            if counted[(area, programme)] != n:
                misses.append(f"Table 1 {area} {programme}: {counted[(area, programme)]} != {n}")
    for programme in PROGRAMMES:
        mine = [c for c in cases if c.programme == programme]
        if len(mine) != PROGRAMME_SIZE[programme]:
            misses.append(f"{programme} size {len(mine)}")
        nps = sum(c.agency == "NPS" for c in mine)
        if nps != NPS_CASES[programme]:
            misses.append(f"{programme} NPS cases {nps} != {NPS_CASES[programme]}")
        disagree = sum(c.agency != proxy_agency(c.rosh_level, c.mappa_eligible) for c in mine)
        expected = QI_PROXY_DISAGREEMENTS if programme == "Q&I" else 0
        if disagree != expected:
            misses.append(f"{programme} proxy disagreements {disagree} != {expected}")

    def level(programme: str, agency: str, question: int) -> tuple[int, int]:
        return _yes_rate(
            [c for c in cases if c.programme == programme and c.agency == agency], question
        )

    for (q, agency, programme), pct in AGENCY_LEVEL_PCT.items():
        yes, n = level(programme, agency, q)
        if not rounds_to(yes, n, pct, 0):
            misses.append(f"Q{q} {agency} {programme}: {100 * yes / n:.2f}% is not {pct}%")
    for q, changes in AGENCY_CHANGE_PP.items():
        for agency, change in changes.items():
            (yo, no), (yq, nq) = level("OMI2", agency, q), level("Q&I", agency, q)
            before, after = 100 * yo / no, 100 * yq / nq
            if round(after - before) != change or round(after) - round(before) != change:
                misses.append(f"Q{q} {agency} change {after - before:+.2f} is not {change}")
    for flag, levels in Q7_FLAG_PCT.items():
        for value, pct in levels.items():
            yes, n = _yes_rate([c for c in cases if getattr(c, flag) is value], 7)
            if not rounds_to(yes, n, pct, 0):
                misses.append(f"Q7 {flag}={value}: {100 * yes / n:.2f}% is not {pct}%")
    for case in cases:
        for q in QUESTIONS:
            if bool(case.answers[q - 1]) != answers(case.mask, q):
                misses.append(f"inconsistent mask for a {case.programme} case")
                break
    return misses
