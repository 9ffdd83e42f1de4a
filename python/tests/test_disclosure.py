"""Disclosure control: small cells are hidden, and no hidden cell can be recovered."""

from __future__ import annotations

import random

import pytest

from public_protection.report.disclosure import (
    DEFAULT_MINIMUM_N,
    Relation,
    recoverable,
    suppress,
)


def test_cells_below_the_minimum_are_hidden_and_the_rest_are_not():
    cells = {"a": 9, "b": 10, "c": 11, "total": 30}
    result = suppress(cells, [], minimum_n=10)
    assert result.reasons == {"a": "primary"}


def test_the_default_minimum_is_ten_as_the_readme_publishes():
    # The README and the report state 10: counts of 9 hide, 10 show.
    result = suppress({"nine": 9, "ten": 10}, [], DEFAULT_MINIMUM_N)
    assert result.reasons == {"nine": "primary"}


def test_the_counts_of_hidden_cells_are_reported_by_reason():
    cells = {"all": 60, "x": 5, "y": 30, "z": 25, "w": 3, "v": 27}
    relations = [Relation("all", ("x", "y", "z")), Relation("y", ("w", "v"))]
    result = suppress(cells, relations, minimum_n=10)
    assert result.reasons == {"x": "primary", "w": "primary", "z": "secondary", "v": "secondary"}
    assert (result.count("primary"), result.count("secondary"), result.count("other")) == (2, 2, 0)
    assert "x" in result and "y" not in result


def test_a_lone_hidden_part_takes_its_smallest_visible_sibling_with_it():
    # OMI2 + Q&I = All: with only Q&I hidden, All - OMI2 would give it away.
    cells = {"all": 120, "omi2": 112, "qi": 8}
    relation = Relation("all", ("omi2", "qi"))
    result = suppress(cells, [relation], minimum_n=10)
    assert result.reasons == {"qi": "primary", "omi2": "secondary"}
    assert recoverable(result, [relation]) == []

    three = {"all": 60, "x": 5, "y": 30, "z": 25}
    result = suppress(three, [Relation("all", ("x", "y", "z"))], minimum_n=10)
    assert result.reasons == {"x": "primary", "z": "secondary"}  # 25 < 30


def test_a_hidden_total_takes_its_smallest_part():
    cells = {"total": 9, "p": 4, "q": 5}
    relation = Relation("total", ("p", "q"))
    result = suppress(cells, [relation], minimum_n=10)
    # All three are below the minimum: nothing needs adding.
    assert set(result.reasons.values()) == {"primary"}

    cells = {"total": 8, "p": 12, "q": 20}  # a total can be smaller in a sample table
    result = suppress(cells, [Relation("total", ("p",))], minimum_n=10)
    assert result.reasons == {"total": "primary", "p": "secondary"}


def test_secondary_suppression_follows_links_across_tables():
    # A 2 x 2 table with margins: hiding one interior cell forces a rectangle.
    cells = {
        ("r1", "c1"): 3, ("r1", "c2"): 40, ("r1", "t"): 43,
        ("r2", "c1"): 50, ("r2", "c2"): 60, ("r2", "t"): 110,
        ("t", "c1"): 53, ("t", "c2"): 100, ("t", "t"): 153,
    }  # fmt: skip
    relations = [Relation((r, "t"), ((r, "c1"), (r, "c2"))) for r in ("r1", "r2", "t")]
    relations += [Relation(("t", c), (("r1", c), ("r2", c))) for c in ("c1", "c2", "t")]
    result = suppress(cells, relations, minimum_n=10)
    assert set(result.reasons) == {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2")}
    assert recoverable(result, relations) == []
    assert ("t", "t") not in result  # the grand total stays visible


def test_a_minimum_of_zero_hides_nothing_and_a_negative_one_is_refused():
    assert suppress({"a": 0, "b": 1}, [Relation("b", ("a",))], minimum_n=0).reasons == {}
    with pytest.raises(ValueError, match="0 or more"):
        suppress({"a": 1}, [], minimum_n=-1)


def test_a_relation_naming_a_cell_without_n_is_an_error():
    with pytest.raises(KeyError, match="missing"):
        suppress({"a": 1}, [Relation("a", ("missing",))], minimum_n=10)


@pytest.mark.parametrize("seed", range(25))
def test_random_linked_tables_never_leave_exactly_one_hidden_cell_in_a_sum(seed):
    rng = random.Random(seed)
    rows, columns = rng.randint(2, 6), rng.randint(2, 4)
    cells = {(r, c): rng.randint(0, 40) for r in range(rows) for c in range(columns)}
    for r in range(rows):
        cells[(r, "t")] = sum(cells[(r, c)] for c in range(columns))
    for c in [*range(columns), "t"]:
        cells[("t", c)] = sum(cells[(r, c)] for r in range(rows))
    relations = [Relation((r, "t"), tuple((r, c) for c in range(columns))) for r in range(rows)]
    relations += [
        Relation(("t", c), tuple((r, c) for r in range(rows))) for c in [*range(columns), "t"]
    ]
    relations.append(Relation(("t", "t"), tuple(("t", c) for c in range(columns))))

    result = suppress(cells, relations, minimum_n=10)

    assert recoverable(result, relations) == []
    assert all(cells[c] >= 10 for c, why in result.reasons.items() if why == "secondary")
    assert {c for c, why in result.reasons.items() if why == "primary"} == {
        c for c, n in cells.items() if 0 < n < 10
    }


def test_zeros_are_shown_and_never_hidden_to_protect_another_cell():
    # London Q&I with no London workbook: 0 describes nobody, so it is not a small
    # cell, and a hidden neighbour is protected by a real count instead.
    cells = {"all": 30, "omi2": 3, "qi": 0, "other": 27}
    relations = [Relation("all", ("omi2", "qi", "other"))]
    result = suppress(cells, relations, minimum_n=10)
    assert result.reasons == {"omi2": "primary", "other": "secondary"}
    assert recoverable(result, relations) == []
    # With nothing but zeros left to hide, the total goes instead.
    result = suppress({"all": 12, "a": 3, "b": 0}, [Relation("all", ("a", "b"))], 10)
    assert result.reasons == {"a": "primary", "all": "secondary"}
