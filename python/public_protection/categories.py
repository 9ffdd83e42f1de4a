"""The harmonised categories the warehouse and the bulletin share, read from the seeds.

One vocabulary for the regressions, the demo generator and the tests, with one copy:
the dbt seeds, which SQL reads too. The matched areas of Table 1 in its order
(``seeds/areas.csv``), the age bands (``seeds/subgroup_categories.csv``) and the
harmonised offence categories in the order of ``seeds/code_lists.csv``. The age bands'
boundaries are SQL's (``macros/age_group.sql``), which produces these labels.
"""

from __future__ import annotations

import csv

from public_protection.settings import find_project_dir


def seed_rows(name: str) -> list[dict[str, str]]:
    """The rows of ``seeds/<name>.csv``, as text."""
    path = find_project_dir() / "seeds" / f"{name}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _unique(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


# The two agencies of 2014-2021, in the order the bulletin gives them.
AGENCIES = ("CRC", "NPS")

_AREAS = [row for row in seed_rows("areas") if row["is_matched_area"] == "true"]
# The 12 matched police force areas of Table 1, in its order.
AREAS = tuple(row["area"] for row in sorted(_AREAS, key=lambda row: int(row["table_1_order"])))

_AGES = [row for row in seed_rows("subgroup_categories") if row["variable"] == "age_group"]
AGE_GROUPS = tuple(row["category"] for row in sorted(_AGES, key=lambda r: int(r["category_order"])))

OFFENCE_CATEGORIES = _unique(
    row["harmonised"] for row in seed_rows("code_lists") if row["code_list"] == "offence"
)
