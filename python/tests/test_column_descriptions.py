"""Column descriptions hold for every programme: none lists programmes and leaves one out.

A description may name programmes as examples, or list the bulletin's own programmes
where it says so; "OMI2 or Q&I" for a column that holds every programme's rows is wrong
as soon as a third programme is loaded.
"""

from __future__ import annotations

import csv
import re

import duckdb
import pytest
import yaml

from public_protection.settings import find_project_dir

PROJECT = find_project_dir()
DOC = re.compile(r"\{\{\s*doc\(\s*['\"](\w+)['\"]\s*\)\s*\}\}")


def seeded_programmes() -> list[str]:
    with (PROJECT / "seeds" / "programmes.csv").open(encoding="utf-8", newline="") as file:
        return [row["programme"] for row in csv.DictReader(file)]


def doc_blocks() -> dict[str, str]:
    text = (PROJECT / "models" / "docs.md").read_text(encoding="utf-8")
    return {
        name: body.strip()
        for name, body in re.findall(r"\{% docs (\w+) %\}(.*?)\{% enddocs %\}", text, re.S)
    }


def column_descriptions() -> list[tuple[str, str]]:
    """(where, description) of every column declared in models/**/*.yml, docs resolved."""
    docs, found = doc_blocks(), []

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            for column in node.get("columns") or []:
                if isinstance(column, dict) and column.get("description"):
                    text = DOC.sub(lambda m: docs[m[1]], str(column["description"]))
                    found.append((f"{where}.{node.get('name')}.{column['name']}", text))
            for value in node.values():
                walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    for path in sorted((PROJECT / "models").rglob("*.yml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), str(path.relative_to(PROJECT)))
    return found


def incomplete_lists(text: str, programmes: list[str]) -> list[str]:
    """Lists of programmes in ``text`` ("A or B", "A, B and C", "A vs B") that leave one
    of ``programmes`` out; a description about the bulletin may list its own."""
    code = "|".join(re.escape(p) for p in sorted(programmes, key=len, reverse=True))
    joint = r"\s*(?:,|\bor\b|\band\b|\bvs\.?|/)\s*"
    pattern = re.compile(rf"(?<![\w&])(?:{code})(?:{joint}(?:{code}))+(?![\w&])")
    if "bulletin" in text.lower():
        return []
    return [m[0] for m in pattern.finditer(text) if set(re.findall(code, m[0])) != set(programmes)]


def test_the_check_finds_a_two_programme_list_and_passes_a_complete_one():
    programmes = ["OMI2", "Q&I", "PI18"]
    assert incomplete_lists("Inspection programme: OMI2 or Q&I.", programmes) == ["OMI2 or Q&I"]
    assert incomplete_lists("proxy (OMI2) or allocated (Q&I)", programmes) == []
    assert incomplete_lists("Whether programme (OMI2 vs Q&I) entered", programmes) == [
        "OMI2 vs Q&I"
    ]
    assert incomplete_lists("OMI2, Q&I or PI18", programmes) == []
    assert incomplete_lists("e.g. OMI2's trust code, Q&I's register id", programmes) == []
    assert incomplete_lists("The bulletin's programmes (OMI2, Q&I)", programmes) == []


def test_no_column_description_lists_programmes_leaving_one_out():
    programmes = seeded_programmes()
    descriptions = column_descriptions()
    assert len(descriptions) > 300
    wrong = {
        where: found
        for where, text in descriptions
        if (found := incomplete_lists(text, programmes))
    }
    assert wrong == {}
    assert not [where for where, text in descriptions if "OMI2 or Q&I" in text]
    # agency basis described by reference, not by the first two programmes
    assert not [where for where, text in descriptions if "(OMI2) or allocated (Q&I)" in text]


@pytest.mark.dbt
def test_no_published_comment_lists_loaded_programmes_leaving_one_out(demo_warehouse):
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        loaded = [r[0] for r in con.execute("select programme from marts.dim_programme").fetchall()]
        comments = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name, comment "
            "from duckdb_columns() where comment is not null and comment <> ''"
        ).fetchall()
    assert len(loaded) >= 3 and len(comments) > 100
    wrong = {where: found for where, text in comments if (found := incomplete_lists(text, loaded))}
    assert wrong == {}
    assert not [where for where, text in comments if "OMI2 or Q&I" in text]
