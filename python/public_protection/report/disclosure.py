"""Statistical disclosure control for the report and its exports.

Primary suppression hides every cell whose n is below a minimum. Secondary
suppression then protects those cells from subtraction: wherever figures are
linked by a total (parts + total, e.g. OMI2 + Q&I = All cases), a relation with
exactly one hidden member would let a reader recover it, so the smallest
visible part of that relation is hidden too, until no relation has exactly one.
Relations with categories that do not cover the total (unknown values are not
printed) are treated as exact anyway: the unknown count may be small or
published elsewhere, so the conservative reading is the safe one.

Zeros are shown, never suppressed, and never hidden to protect another cell.
A structural zero (no extract was supplied: London Q&I when no London workbook
was loaded) means "no data", which describes nobody. A zero count of cases in a
category where data was supplied describes nobody either: no person can be
picked out of an empty group. What a zero can reveal is an attribute of a
*group* (every case in a small group judged the same way); that is protected
by the minimum on the group's own n, which hides its percentage with its count.

The warehouse keeps the full figures; only what leaves it is suppressed.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

# The Government Statistical Service symbol for a confidential (suppressed) value.
SUPPRESSED = "[c]"
DEFAULT_MINIMUM_N = 10


@dataclass(frozen=True)
class Relation:
    """``total`` equals the sum of ``parts`` (so any one is the others' difference)."""

    total: Hashable
    parts: tuple[Hashable, ...]

    def members(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)


@dataclass
class Suppression:
    """Which cells are hidden and why (``primary`` or ``secondary``)."""

    minimum_n: int
    reasons: dict[Hashable, str] = field(default_factory=dict)

    def __contains__(self, cell: Hashable) -> bool:
        return cell in self.reasons

    def count(self, reason: str) -> int:
        return sum(1 for r in self.reasons.values() if r == reason)


def suppress(
    cells: Mapping[Hashable, int], relations: Iterable[Relation], minimum_n: int
) -> Suppression:
    """Primary then secondary suppression over ``cells`` (cell id -> n).

    Deterministic: among visible parts the smallest n is hidden first, ties
    broken by the order the parts are listed in.
    """
    if minimum_n < 0:
        raise ValueError(f"minimum n must be 0 or more, not {minimum_n}")
    relations = list(relations)
    unknown = {m for r in relations for m in r.members() if m not in cells}
    if unknown:
        raise KeyError(f"relations name cells with no n: {sorted(map(str, unknown))[:5]}")
    result = Suppression(minimum_n)
    for cell, n in cells.items():
        if 0 < n < minimum_n:
            result.reasons[cell] = "primary"
    changed = True
    while changed:  # each pass only adds cells, so this ends
        changed = False
        for relation in relations:
            hidden = [m for m in relation.members() if m in result]
            if len(hidden) != 1:
                continue
            # A zero hides nothing (see the module's note): protect with a real count.
            visible_parts = [p for p in relation.parts if p not in result and cells[p] > 0]
            if visible_parts:
                order = {p: i for i, p in enumerate(relation.parts)}
                chosen = min(visible_parts, key=lambda p: (cells[p], order[p]))
            else:  # the lone hidden member is the only part: hide the total
                chosen = relation.total
            result.reasons[chosen] = "secondary"
            changed = True
    return result


def recoverable(suppression: Suppression, relations: Iterable[Relation]) -> list[Relation]:
    """Relations in which exactly one member is hidden (empty when protected)."""
    return [r for r in relations if sum(m in suppression for m in r.members()) == 1]
