"""The floor for loading the PI18 exports: DuckDB's own JSON reader, nothing else.

    python benchmarks/floor_pi18_read_json.py LANDING/pi18 OUT.duckdb

Reads every ``*.json`` export in the folder with ``read_json`` (each file one
object: ``format='unstructured'``, ``maximum_object_size`` raised to the largest
file) and unnests it into two tables of a fresh DuckDB file: ``cases`` (a row per
case, with the export's own fields) and ``ratings`` (a row per rating, with its
case's id), every value as text, as ``raw.pi18_cases`` and ``raw.pi18_ratings``
hold them. No checks, no provenance beyond the file name, no load log. The files
are read once: ``cases`` straight from the reader with its list of ratings, then
``ratings`` unnested from it and the list dropped (at scale 10 this took 9 s and
0.4-0.46 GB against 10.5-11 s and 0.63-0.65 GB when the read was held in a temporary
table first).

The columns are the input contract's (section 9), given to the reader: with
``format='unstructured'`` a file is one value, so even ``sample_size=1`` makes
the reader parse a whole export to find its types (at scale 10 that added 2.3 s
to a 4.4 s read, and it grows with the file), and types found in one file can
refuse another's values. Prints the seconds taken (the reading and writing, not
Python's start) and the two tables' row counts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

TEXT = "varchar"
RATING = f"struct(ref {TEXT}, rating {TEXT}, rationale {TEXT})"
CASE = (
    "struct(case_id varchar, crn varchar, name varchar, date_of_birth varchar, "
    "start_date varchar, pcc_area varchar, sex varchar, ethnicity varchar, "
    "sentence varchar, rosh varchar, "
    "mappa struct(eligible varchar, category varchar, level varchar), offence varchar, "
    "flags struct(domestic_abuse varchar, iom varchar, child_protection varchar), "
    f"rosh_classification_reasonable varchar, ratings {RATING}[], notes varchar)"
)
EXPORT = {
    "format": TEXT,
    "exported_at": TEXT,
    "inspection": "struct(id varchar, service varchar, agency varchar, "
    "fieldwork_start varchar, fieldwork_end varchar)",
    "cases": f"{CASE}[]",
}


def load(folder: Path, out: Path) -> tuple[float, int, int]:
    """Write ``cases`` and ``ratings`` from the folder's exports; seconds and row counts."""
    files = sorted(str(path) for path in folder.glob("*.json"))
    largest = max(Path(file).stat().st_size for file in files)
    started = time.perf_counter()
    with duckdb.connect(str(out)) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(
            "create table cases as select filename, format, exported_at, "
            "unnest(inspection, max_depth := 2), unnest(cases, max_depth := 2) "
            "from read_json($files, format = 'unstructured', maximum_object_size = $size, "
            "columns = $columns, filename = true)",
            {"files": files, "size": largest + 1, "columns": EXPORT},
        )
        con.execute(
            "create table ratings as select filename, case_id, "
            "unnest(ratings, max_depth := 2) from cases"
        )
        con.execute("alter table cases drop column ratings")
        con.execute("checkpoint")
        cases = con.execute("select count(*) from cases").fetchall()[0][0]
        ratings = con.execute("select count(*) from ratings").fetchall()[0][0]
    return time.perf_counter() - started, cases, ratings


def main(argv: list[str]) -> int:
    folder, out = Path(argv[1]), Path(argv[2])
    out.unlink(missing_ok=True)
    seconds, cases, ratings = load(folder, out)
    print(f"{seconds:.3f} {cases} {ratings}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
