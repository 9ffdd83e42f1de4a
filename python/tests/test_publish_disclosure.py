"""`publish`: the aggregate file honours --min-n, and the re-identification measure is right.

Every expected figure here is worked out in the test, from the warehouse's
reporting tables or marts.dim_case, never from the report's own layout. The
aggregate file's columns are found by meaning (a count column is named ``n`` or
ends in ``_n``; Table 1's counts are its numeric columns) so that renaming the
percentage or interval columns does not break these tests.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from conftest import BULLETIN_VIEW, copy_of

from public_protection import cli
from public_protection.report.disclosure import DEFAULT_MINIMUM_N

MIN_N = 60  # above the default, and above some of the demo's counts (33 ... 56)

# The quasi-identifiers as the README names them ("Connecting a BI tool"):
# inspection, age group, gender, ethnic group, offence, RoSH, supervision type. Written
# out here on purpose, not imported from publish: an independent statement of the rule.
README_QUASI_IDENTIFIERS = (
    "inspection_id",
    "age_group",
    "gender",
    "ethnic_group",
    "offence_category",
    "rosh_level",
    "supervision_type",
)

# The warehouse tables the report's counted cells come from.
REPORTED = (
    "rpt_sample_by_area",
    "rpt_judgement_by_subgroup",
    "rpt_agency_change",
    "rpt_programme_trend",
)


# --- Small constructed tables: fast, no warehouse -------------------------------------


def risk_of(rows: list[dict]):
    """measure_risk over a constructed dim_case holding more than the quasi-identifiers."""
    from public_protection.publish import measure_risk

    columns = ["case_key", "programme", *README_QUASI_IDENTIFIERS]
    with duckdb.connect() as con:
        con.execute(f"create table dim_case ({', '.join(f'{c} varchar' for c in columns)})")
        con.executemany(
            f"insert into dim_case values ({', '.join('?' for _ in columns)})",
            [[str(i), *(row[c] for c in columns[1:])] for i, row in enumerate(rows)],
        )
        return measure_risk(con, "dim_case")


def case(inspection: str, programme: str, age: str = "25-34") -> dict:
    same = {c: "x" for c in README_QUASI_IDENTIFIERS}
    return same | {"inspection_id": inspection, "programme": programme, "age_group": age}


def test_the_measure_groups_by_inspection_not_by_programme():
    # Three cases of one programme in three inspections: unique by inspection,
    # one group of three by programme.
    apart = [case("I1", "OMI2"), case("I2", "OMI2"), case("I3", "OMI2")]
    # Two cases of one inspection recorded under two programmes: a pair by
    # inspection, unique by programme.
    together = [case("I4", "A", "50+"), case("I4", "B", "50+")]
    risk = risk_of(apart + together)
    assert risk.cases == 5
    assert risk.unique_cases == 3  # I1, I2, I3
    assert risk.smallest_group == 1
    assert risk.share_unique == pytest.approx(3 / 5)
    risk = risk_of(together)
    assert (risk.unique_cases, risk.smallest_group) == (0, 2)


def test_groups_of_exactly_five_are_not_below_five():
    rows = [case("I4", "OMI2")] * 4 + [case("I5", "OMI2")] * 5 + [case("I6", "OMI2")] * 6
    rows += [case("I7", "OMI2")]
    risk = risk_of(rows)
    assert risk.cases == 4 + 5 + 6 + 1
    assert risk.cases_below_5 == 4 + 1  # the group of 4 and the one alone; not the 5
    assert risk.unique_cases == 1
    assert risk.smallest_group == 1
    assert "5 are in groups of fewer than 5" in risk.describe()
    assert risk_of([case("I5", "OMI2")] * 5).cases_below_5 == 0


# --- The demo warehouse, published at --min-n 60 ------------------------------------------


def n_columns(con, schema: str, table: str) -> list[str]:
    names = [r[0] for r in con.execute(f"describe {schema}.{table}").fetchall()]
    return [c for c in names if c == "n" or c.endswith("_n")]


def cells_below(db: Path, minimum_n: int) -> int:
    """Counts in the reporting tables with 0 < n < minimum_n (zeros are never hidden).

    Table 1's Total row (each column's sum over the areas) is a count the report
    prints too, so it is counted here.
    """
    with duckdb.connect(str(db), read_only=True) as con:
        small = 0
        for table in REPORTED:
            for column in n_columns(con, "reporting", table):
                shown = f" and {BULLETIN_VIEW}" if table == "rpt_judgement_by_subgroup" else ""
                small += con.execute(
                    f'select count(*) from reporting.{table} where "{column}" > 0 '
                    f'and "{column}" < ?{shown}',
                    [minimum_n],
                ).fetchall()[0][0]
        for column in n_columns(con, "reporting", "rpt_sample_by_area"):
            total = con.execute(
                f'select sum("{column}") from reporting.rpt_sample_by_area'
            ).fetchall()[0][0]
            small += 0 < total < minimum_n
    return small


def small_cells(db: Path, low: int, high: int) -> list[tuple]:
    """Every count with low <= n < high: (aggregate table, row labels, question, column prefix)."""
    found: list[tuple] = []
    with duckdb.connect(str(db), read_only=True) as con:
        prefixes = dict(
            con.execute("select programme, column_prefix from marts.dim_programme").fetchall()
        )
        prefixes["All"] = "all"
        tables = dict(
            con.execute(
                "select question_id, bulletin_table_no from marts.dim_question "
                "where bulletin_table_no is not null"
            ).fetchall()
        )

        def rows(sql: str) -> list[tuple]:
            return con.execute(sql, [low, high]).fetchall()

        for column in n_columns(con, "reporting", "rpt_sample_by_area"):
            for (area,) in rows(
                f'select area from reporting.rpt_sample_by_area where "{column}" >= ? '
                f'and "{column}" < ?'
            ):
                found.append(("table_1", {area}, None, column.removesuffix("_n")))
        for question, variable, category, programme in rows(
            "select question_id, variable, category, programme "
            f"from reporting.rpt_judgement_by_subgroup where n >= ? and n < ? and {BULLETIN_VIEW}"
        ):
            label = {category, variable}  # the table is the question's own
            found.append((f"table_{tables[question]}", label, None, prefixes[programme]))
        for column in n_columns(con, "reporting", "rpt_agency_change"):
            for question, agency in rows(
                "select question_id, responsible_agency from reporting.rpt_agency_change "
                f'where "{column}" >= ? and "{column}" < ?'
            ):
                found.append(("figure_1", {agency}, question, column.removesuffix("_n")))
        for question, programme, agency, scope in rows(
            "select question_id, programme, responsible_agency, scope "
            "from reporting.rpt_programme_trend where n >= ? and n < ?"
        ):
            found.append(("programme_trend", {programme, agency, scope}, question, "n"))
    return found


def slug(text: str) -> str:
    """ "Age group" -> age_group: a variable's label as its warehouse name."""
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))


class Aggregate:
    """The aggregate file, read into memory: table -> (columns, types, rows)."""

    def __init__(self, path: Path):
        with duckdb.connect(str(path), read_only=True) as con:
            names = [
                r[0]
                for r in con.execute(
                    "select table_name from duckdb_tables() where schema_name = 'report' "
                    "and database_name = current_database() order by 1"
                ).fetchall()
            ]
            self.tables = {}
            for name in names:
                described = con.execute(f"describe report.{name}").fetchall()
                columns = [r[0] for r in described]
                types = [r[1] for r in described]
                records = con.execute(f"select * from report.{name}").fetchall()
                self.tables[name] = (
                    columns,
                    types,
                    [dict(zip(columns, r, strict=True)) for r in records],
                )

    def about(self) -> dict:
        (row,) = self.tables["about"][2]
        return row

    def count_columns(self, table: str) -> list[str]:
        columns, types, _ = self.tables[table]
        if table == "table_1":  # areas by programme: every numeric column is a count
            return [c for c, t in zip(columns, types, strict=True) if t != "VARCHAR"]
        return [c for c in columns if c == "n" or c.endswith("_n")]

    def counts(self) -> list[tuple[str, str, object]]:
        return [
            (table, column, row[column])
            for table in self.tables
            if table != "about"
            for column in self.count_columns(table)
            for row in self.tables[table][2]
        ]

    def row(self, table: str, labels: set[str], question: int | None) -> dict:
        """The one row whose text cells hold ``labels`` (and name question ``question``)."""
        matches = []
        for row in self.tables[table][2]:
            texts = {v for v in row.values() if isinstance(v, str)}
            texts |= {slug(v) for v in texts}
            if not labels <= texts:
                continue
            if question is not None and not any(
                v == f"Q{question}" or v.startswith(f"Q{question} ") for v in texts
            ):
                continue
            matches.append(row)
        assert len(matches) == 1, (table, labels, question, len(matches))
        return matches[0]

    def count_column(self, table: str, prefix: str) -> str:
        columns = self.count_columns(table)
        if len(columns) == 1:
            return columns[0]
        chosen = [c for c in columns if c == prefix or c.startswith(f"{prefix}_")]
        assert len(chosen) == 1, (table, prefix, columns)
        return chosen[0]


def check_the_aggregate_file_hides_below(db: Path, aggregate: Path, minimum_n: int) -> Aggregate:
    """The checks every publish at ``minimum_n`` must pass; returns the file, read."""
    published = Aggregate(aggregate)
    about = published.about()
    assert about["minimum_n"] == minimum_n
    assert about["cells_below_minimum"] == cells_below(db, minimum_n)
    # No count below the minimum is visible anywhere (zeros describe nobody).
    counts = published.counts()
    assert len(counts) > 300
    visible_small = [c for c in counts if c[2] is not None and 0 < c[2] < minimum_n]
    assert visible_small == [], visible_small[:5]
    # Each count the warehouse holds at DEFAULT_MINIMUM_N <= n < minimum_n is NULL, in
    # its own row and column, and so are its percentage and interval.
    for table, labels, question, prefix in small_cells(db, DEFAULT_MINIMUM_N, minimum_n):
        row = published.row(table, labels, question)
        column = published.count_column(table, prefix)
        assert row[column] is None, (table, labels, question, column, row[column])
        companions = [c for c in row if prefix != "n" and c.startswith(f"{prefix}_")]
        assert all(row[c] is None for c in companions), (table, labels, prefix, row)
    return published


@pytest.fixture(scope="module")
def warehouse(regressed_warehouse, tmp_path_factory) -> Path:
    return copy_of(regressed_warehouse, tmp_path_factory.mktemp("min_n_warehouse"))


@pytest.fixture(scope="module")
def published_at_min_n(warehouse, tmp_path_factory):
    """publish.publish at MIN_N: (analyst report, aggregate report)."""
    from public_protection.publish import publish

    folder = tmp_path_factory.mktemp("published_at_min_n")
    return publish(warehouse, folder / "analyst.duckdb", folder / "aggregate.duckdb", MIN_N)


@pytest.mark.dbt
def test_the_demo_has_counts_between_the_default_and_the_minimum(warehouse):
    # Otherwise the tests below would prove nothing: README says --min-n 60 hides 8.
    assert cells_below(warehouse, DEFAULT_MINIMUM_N) == 0
    assert cells_below(warehouse, MIN_N) == 8
    between = small_cells(warehouse, DEFAULT_MINIMUM_N, MIN_N)
    assert len(between) == 8
    assert {table for table, *_ in between} >= {"table_1", "table_6", "table_7", "table_8"}


@pytest.mark.dbt
def test_publish_writes_the_aggregate_file_at_the_minimum_n_it_is_given(
    warehouse, published_at_min_n
):
    _, aggregate = published_at_min_n
    assert "report.about" in aggregate.tables
    check_the_aggregate_file_hides_below(warehouse, aggregate.path, MIN_N)


@pytest.mark.dbt
def test_publish_min_n_reaches_the_aggregate_file(warehouse, tmp_path):
    db = copy_of(warehouse, tmp_path)
    analyst, aggregate = tmp_path / "published.duckdb", tmp_path / "aggregate.duckdb"
    paths = ["--db", str(db), "--published", str(analyst), "--aggregate", str(aggregate)]
    assert cli.main(["publish", *paths]) == cli.EXIT_OK
    at_default = check_the_aggregate_file_hides_below(db, aggregate, DEFAULT_MINIMUM_N)
    assert cli.main(["publish", "--min-n", str(MIN_N), *paths]) == cli.EXIT_OK
    at_min_n = check_the_aggregate_file_hides_below(db, aggregate, MIN_N)
    # Every cell hidden at MIN_N and not at the default is a NULL count more.
    hidden = at_min_n.about()
    nulls = [sum(v is None for *_, v in a.counts()) for a in (at_default, at_min_n)]
    assert nulls[1] - nulls[0] == (
        hidden["cells_below_minimum"] + hidden["cells_hidden_to_protect_them"]
    )
    assert hidden["cells_hidden_to_protect_them"] > 0


@pytest.mark.dbt
def test_the_recorded_reidentification_risk_is_that_of_the_readmes_quasi_identifiers(
    warehouse, published_at_min_n
):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cases = con.execute("select * from marts.dim_case").df()
    sizes = Counter(cases[list(README_QUASI_IDENTIFIERS)].itertuples(index=False, name=None))
    expected = {
        "cases": len(cases),
        "unique_cases": sum(1 for k in sizes.values() if k == 1),
        "cases_in_groups_below_5": sum(k for k in sizes.values() if k < 5),
        "smallest_group": min(sizes.values()),
    }
    # The demo tells apart the mistakes these figures could hide: grouping by
    # programme instead of inspection, and counting the groups of exactly 5.
    swapped = ["programme", *README_QUASI_IDENTIFIERS[1:]]
    by_programme = Counter(cases[swapped].itertuples(index=False, name=None))
    assert sum(1 for k in by_programme.values() if k == 1) != expected["unique_cases"]
    assert 5 in sizes.values()

    analyst, _ = published_at_min_n
    risk = analyst.risk
    assert (risk.cases, risk.unique_cases, risk.cases_below_5, risk.smallest_group) == (
        expected["cases"],
        expected["unique_cases"],
        expected["cases_in_groups_below_5"],
        expected["smallest_group"],
    )
    assert risk.share_unique == pytest.approx(expected["unique_cases"] / expected["cases"])
    with duckdb.connect(str(analyst.path), read_only=True) as con:
        recorded = con.execute("select * from dq.published_reidentification_risk").df()
    assert len(recorded) == 1
    row = recorded.iloc[0]
    assert {name.strip() for name in row["quasi_identifiers"].split(",")} == set(
        README_QUASI_IDENTIFIERS
    )
    for column, value in expected.items():
        assert row[column] == value, column
    assert row["share_unique"] == pytest.approx(expected["unique_cases"] / expected["cases"])
