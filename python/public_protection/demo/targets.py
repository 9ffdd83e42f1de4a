"""The published figures the demo extracts must reproduce, read from the seeds.

``seeds/published_subgroup_tables.csv`` (Tables 2-8) and
``seeds/published_area_sample.csv`` (Table 1) are copies of the bulletin's
machine-readable tables; the text's other facts (sub-sample sizes, CRC/NPS
statements) are written out below with the line numbers they come from.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

PROGRAMMES = ("OMI2", "Q&I")
QUESTIONS = tuple(range(1, 8))

# Variables of Tables 2-8 and their printed categories, in the bulletin's order.
VARIABLES: dict[str, tuple[str, ...]] = {
    "gender": ("Male", "Female"),
    "age_group": ("18-20", "21-24", "25-29", "30-39", "40-49", "50+"),
    "ethnic_group": ("White", "Black, Asian & Minority Ethnic"),
    "supervision_type": ("Community sentence", "Post-custody"),
    "rosh_level": ("Low", "Medium", "High/Very high"),
    "mappa_eligible": ("Yes", "No"),
}

# Text facts: figures the bulletin states in its text.
PROGRAMME_SIZE = {"OMI2": 1815, "Q&I": 1034}  # Approach (section 1)
NPS_CASES = {"OMI2": 486, "Q&I": 383}  # footnote 6 (OMI2 by the proxy rule)
QI_PROXY_DISAGREEMENTS = 64  # footnote 6
# CRC/NPS change in percentage points from OMI2 to Q&I, as printed (Q3, Q4 and Q5
# commentaries).
AGENCY_CHANGE_PP = {
    3: {"CRC": -14, "NPS": -6},
    4: {"CRC": -9, "NPS": -4},
    5: {"CRC": -14, "NPS": -5},
}
# Whole-percent levels by agency and programme (Q6 commentary; Conclusion).
AGENCY_LEVEL_PCT = {
    (6, "NPS", "OMI2"): 74,
    (6, "NPS", "Q&I"): 61,
    (6, "CRC", "OMI2"): 53,
    (6, "CRC", "Q&I"): 45,
    (5, "NPS", "Q&I"): 63,
    (5, "CRC", "Q&I"): 47,
}
# Q7, whole sample, by flag (Q7 commentary): flag -> {"Yes": pct, "No": pct}.
Q7_FLAG_PCT = {
    "domestic_abuse_perpetrator": {True: 75, False: 59},
    "child_protection_case": {True: 73, False: 63},
}


@dataclass(frozen=True)
class Cell:
    """One printed cell of Tables 2-8: n and % yes for a programme (or both)."""

    question: int
    variable: str  # "all" or a key of VARIABLES
    category: str
    programme: str  # "OMI2", "Q&I" or "All"
    n: int
    pct: float


def seeds_dir() -> Path:
    from public_protection.settings import find_project_dir

    return find_project_dir() / "seeds"


def read_subgroup_cells(path: Path | None = None) -> list[Cell]:
    path = path or seeds_dir() / "published_subgroup_tables.csv"
    cells = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for programme, prefix in (("All", "all"), ("OMI2", "omi2"), ("Q&I", "qi")):
                cells.append(
                    Cell(
                        question=int(row["question_no"]),
                        variable=row["variable"],
                        category=row["category"],
                        programme=programme,
                        n=int(row[f"{prefix}_n"]),
                        pct=float(row[f"{prefix}_pct_yes"]),
                    )
                )
    return cells


def read_area_sample(path: Path | None = None) -> dict[str, dict[str, int]]:
    """Table 1: area -> {"OMI2": n, "Q&I": n}, without the total row."""
    path = path or seeds_dir() / "published_area_sample.csv"
    areas = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["area"].lower() == "total":
                continue
            areas[row["area"]] = {"OMI2": int(row["omi2_n"]), "Q&I": int(row["qi_n"])}
    return areas


def rounds_to(count: int, n: int, printed: float, decimals: int = 1) -> bool:
    """Whether ``100 * count / n`` rounds (half up) to the printed figure."""
    if n == 0:
        return False
    scale = 10**decimals
    value = Fraction(100 * count * scale, n)
    return math.floor(value + Fraction(1, 2)) == round(printed * scale)


def count_range(n: int, printed: float, decimals: int = 1) -> tuple[int, int]:
    """The yes counts out of ``n`` whose percentage rounds to ``printed``.

    Exact half-way values are avoided when another count is available, so the
    figure comes out the same under round-half-up and round-half-even.
    """
    scale = 10**decimals
    target = round(printed * scale)
    lo_exact = Fraction(n * (2 * target - 1), 200 * scale)
    hi_exact = Fraction(n * (2 * target + 1), 200 * scale)
    strict = [
        y
        for y in range(math.floor(lo_exact), math.ceil(hi_exact) + 1)
        if lo_exact < y < hi_exact and 0 <= y <= n
    ]
    if strict:
        return strict[0], strict[-1]
    ties = [
        y
        for y in range(math.floor(lo_exact), math.ceil(hi_exact) + 1)
        if rounds_to(y, n, printed, decimals) and 0 <= y <= n
    ]
    if not ties:
        raise ValueError(f"no count out of {n} rounds to {printed}%")
    return ties[0], ties[-1]
