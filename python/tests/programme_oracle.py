"""What the warehouse must hold for a programme, worked out from its extracts alone.

The programme-neutral half of an oracle: a programme's reader (``pi18_rules.py``
for PI18) turns its extracts into ``Row`` outcomes and ``Case`` records by the
input contract's rules; this module keys them, counts the trend the way
``reporting.rpt_programme_trend`` is documented to, and reads the warehouse's
side to compare. Nothing here comes from the project's seeds or package: the
harmonised vocabularies are written out below as the input contract states them.
A new programme (PDU) needs a reader of its own and nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# README, "The key": without PUBLIC_PROTECTION_KEY the public demo key is used.
DEMO_KEY = "public-protection-demo-key-not-secret"
BAME = "Black, Asian & Minority Ethnic"
HIGH = "High/Very high"
AGENCIES = ("CRC", "NPS")
MATCHED, NATIONAL = "matched areas", "national"
# marts.fct_case_judgement's answers; only Yes and No count in a question's n
YES, NO, NOT_APPLICABLE, NOT_ANSWERED = "Yes", "No", "Not applicable", "Not answered"
# Every attribute marts.dim_case holds for a case (its key and programme aside).
CASE_COLUMNS = (
    "inspection_id",
    "area",
    "is_matched_area",
    "responsible_agency",
    "agency_basis",
    "proxy_agency",
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
)
TREND_COUNTS = ("n", "n_yes", "pct_yes", "ci_low", "ci_high")
TREND_CHANGE = ("baseline_programme", "baseline_pct_yes", "change_pp", "z_statistic", "p_value")
TREND_GRADE = ("comparability", "is_comparable")


@dataclass
class Case:
    """A case in the sample: its reference as received, attributes, answers."""

    ref: str  # the programme's own case reference (keyed before comparing)
    attributes: dict[str, object]  # CASE_COLUMNS
    answers: dict[int, str] = field(default_factory=dict)  # question -> an answer above


@dataclass
class Row:
    """Where one case row received ends: sample, duplicate, quarantined or excluded."""

    file: str  # the file's name
    number: int  # its place in the file, from 1
    outcome: str
    reason: str | None = None  # the oracle's own words, for a failure message


@dataclass
class Reading:
    """One programme's extracts read by the contract."""

    programme: str
    key_prefix: str  # case_key is HMAC-SHA256 of <prefix><reference> (contract, "The key")
    rows: list[Row]
    sample: dict[str, Case]  # by case reference
    counted_files: set[str]
    superseded_files: set[str]


def demo_or_own_key() -> str:
    return os.environ.get("PUBLIC_PROTECTION_KEY") or DEMO_KEY


def case_key(prefix: str, reference: str, key: str) -> str:
    return hmac.new(key.encode(), f"{prefix}{reference}".encode(), hashlib.sha256).hexdigest()


def keyed(reading: Reading, key: str) -> dict[str, Case]:
    return {case_key(reading.key_prefix, ref, key): case for ref, case in reading.sample.items()}


# --- rules every programme shares (input contract, section 6) ----------------------


def whole_years(born, on) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_group(age: int | None) -> str | None:
    if age is None:
        return None
    for upper, label in ((20, "18-20"), (24, "21-24"), (29, "25-29"), (39, "30-39"), (49, "40-49")):
        if age <= upper:
            return label
    return "50+"


def proxy_agency(mappa_eligible: bool | None, rosh_level: str | None) -> str:
    """The bulletin's proxy: MAPPA eligible or High/Very high RoSH is NPS, else CRC."""
    return "NPS" if mappa_eligible is True or rosh_level == HIGH else "CRC"


# --- the trend (models/reporting/rpt_programme_trend.sql's documented meaning) -----

Z95 = 1.959964


def wilson(n_yes: int, n: int) -> tuple[float | None, float | None]:
    """95% Wilson (1927) score interval in percent, clamped to the estimate and 0-100."""
    if n == 0:
        return None, None
    p = n_yes / n
    centre = p + Z95**2 / (2 * n)
    spread = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    low, high = (100 * (centre + s * spread) / (1 + Z95**2 / n) for s in (-1, 1))
    return max(0.0, min(100 * p, low)), min(100.0, max(100 * p, high))


def pooled_z(base: tuple[int, int], rated: tuple[int, int]) -> float | None:
    """Pooled two-proportion z for the change from the baseline to the rated programme."""
    (yes_1, n_1), (yes_2, n_2) = base, rated
    if n_1 == 0 or n_2 == 0:
        return None
    pooled = (yes_1 + yes_2) / (n_1 + n_2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_1 + 1 / n_2))
    return None if spread == 0 else (yes_2 / n_2 - yes_1 / n_1) / spread


def counts(
    cases: Iterable[Case], questions: Iterable[int], national: bool
) -> dict[tuple[int, str, str], tuple[int, int]]:
    """(question, agency, scope) -> (n answered Yes or No, n Yes), agency All, CRC, NPS.

    Scope "matched areas" is the cases in the 12 matched areas; "national" every case,
    for a programme whose sample covers every area. A group with cases has a row even
    when none of them answered (n = 0).
    """
    found: dict[tuple[int, str, str], list[int]] = {}
    for case in cases:
        scopes = [MATCHED] if case.attributes["is_matched_area"] else []
        scopes += [NATIONAL] if national else []
        for question in questions:
            answer = case.answers.get(question, NOT_ANSWERED)
            for agency in ("All", case.attributes["responsible_agency"]):
                for scope in scopes:
                    tally = found.setdefault((question, agency, scope), [0, 0])
                    tally[0] += answer in (YES, NO)
                    tally[1] += answer == YES
    return {group: (n, yes) for group, (n, yes) in found.items()}


def trend(
    rated: Mapping[tuple, tuple[int, int]],
    grades: Mapping[int, str],
    baseline_programme: str | None,
    baseline: Mapping[tuple, tuple[int, int]],
) -> dict[tuple, dict[str, object]]:
    """The trend rows of one programme, against the baseline's counts.

    The change is the programme's % Yes minus the baseline's, in percentage points,
    for the same question, agency (CRC against the baseline's CRC, NPS against its
    NPS) and scope; none where the baseline has no such row. A pair is comparable
    when graded ``close`` (or ``same``), not when ``partial``; an ungraded pair only
    when the programme has no baseline (it is the baseline of the others).
    """
    rows = {}
    for group, (n, n_yes) in rated.items():
        pct = 100 * n_yes / n if n else None
        low, high = wilson(n_yes, n)
        base = baseline.get(group)
        base_pct = 100 * base[1] / base[0] if base and base[0] else None
        z = pooled_z((base[1], base[0]), (n_yes, n)) if base else None
        grade = grades.get(group[0])
        rows[group] = {
            "n": n,
            "n_yes": n_yes,
            "pct_yes": pct,
            "ci_low": low,
            "ci_high": high,
            "comparability": grade,
            "is_comparable": (
                grade in ("same", "close") if grade is not None else baseline_programme is None
            ),
            "baseline_programme": baseline_programme,
            "baseline_pct_yes": base_pct,
            "change_pp": None if pct is None or base_pct is None else pct - base_pct,
            "z_statistic": z,
            "p_value": None if z is None else math.erfc(abs(z) / math.sqrt(2)),
        }
    return rows


# --- the warehouse's side ----------------------------------------------------------


def query(db: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def warehouse_cases(db: Path, programme: str) -> dict[str, dict[str, object]]:
    found = query(
        db,
        f"select case_key, {', '.join(CASE_COLUMNS)} from marts.dim_case where programme = ?",
        [programme],
    )
    return {key: dict(zip(CASE_COLUMNS, values, strict=True)) for key, *values in found}


def warehouse_answers(db: Path, programme: str) -> dict[str, dict[int, str]]:
    found: dict[str, dict[int, str]] = {}
    for key, question, answer in query(
        db,
        "select case_key, question_id, answer from marts.fct_case_judgement "
        "inner join marts.dim_case using (case_key) where programme = ?",
        [programme],
    ):
        found.setdefault(key, {})[question] = answer
    return found


def warehouse_trend(db: Path, programme: str) -> dict[tuple, dict[str, object]]:
    columns = (*TREND_COUNTS, *TREND_GRADE, *TREND_CHANGE)
    found = query(
        db,
        f"select question_id, responsible_agency, scope, {', '.join(columns)} "
        "from reporting.rpt_programme_trend where programme = ?",
        [programme],
    )
    return {
        (question, agency, scope): dict(zip(columns, values, strict=True))
        for question, agency, scope, *values in found
    }


def warehouse_rows(db: Path, programme: str) -> dict[tuple[str, int], str]:
    """(file name, place) -> outcome of every case row received."""
    found = query(
        db,
        "select source_file, source_row, outcome from intermediate.int_case_rows_screened "
        "where programme = ?",
        [programme],
    )
    return {(file.rsplit("/", 1)[-1], row): outcome for file, row, outcome in found}


# --- comparing ---------------------------------------------------------------------


# The warehouse's p-value is an approximation of erfc good to 1.2e-7 (relative).
RELATIVE_TOLERANCE = {"p_value": 1e-6}


def same(found: object, expected: object, tolerance: float = 1e-9) -> bool:
    if isinstance(expected, float) and isinstance(found, float):
        return math.isclose(found, expected, rel_tol=tolerance, abs_tol=1e-12)
    return found == expected and type(found) is type(expected)


def differences(
    found: Mapping[object, Mapping[str, object]],
    expected: Mapping[object, Mapping[str, object]],
    columns: Iterable[str],
    names: Mapping[object, str] | None = None,
    shown: int = 3,
) -> dict[str, str]:
    """Column -> how many rows disagree and the first few, as "row: found != expected".

    Compares the rows both sides hold (which rows there are is a test of its own).
    ``names`` gives a row a readable name (a case's reference rather than its key).
    """
    names = names or {}
    out = {}
    for column in columns:
        wrong = [
            f"{names.get(k, k)}: {found[k][column]!r} != {expected[k][column]!r}"
            for k in sorted(set(found) & set(expected), key=str)
            if not same(found[k][column], expected[k][column], RELATIVE_TOLERANCE.get(column, 1e-9))
        ]
        if wrong:
            out[column] = f"{len(wrong)} rows, e.g. " + "; ".join(wrong[:shown])
    return out
