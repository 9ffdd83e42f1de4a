"""Build the published warehouse files for BI tools, and replace each atomically.

Two files, for two audiences (see README, "Connecting a BI tool"):

- the **analyst file** (``public_protection_published.duckdb``): ``marts``,
  ``reporting``, ``analysis`` and ``dq`` as tables, with their primary keys, NOT
  NULLs and descriptions, for approved analysts. The marts are row-level
  (pseudonymous: keyed case hashes, no name, date of birth or reference), so
  every publish measures how many cases are unique on their quasi-identifiers.
- the **aggregate file** (``public_protection_aggregate.duckdb``): the report's
  tables only, with the report's disclosure control (a suppressed cell is NULL),
  for dashboards and wider audiences.

Both are written in a DuckDB storage version older clients read (DuckDB 1.0 and
later by default: BI drivers bundle older DuckDB releases than the pipeline's).
Each is written to a temporary file beside its target and moved into place with
``os.replace``: a BI tool holding the previous file open keeps reading it, never
sees a half-written file, and never blocks a publish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from public_protection.atomic import replaced_atomically
from public_protection.catalog import comment_statements, python_tables
from public_protection.report.disclosure import SUPPRESSED
from public_protection.settings import DEFAULT_STORAGE_VERSION
from public_protection.sql import quote_identifier, quote_literal

PUBLISHED_SCHEMAS = ("marts", "reporting", "analysis", "dq")
# What an outsider could know of a person and look up in the row-level marts.
QUASI_IDENTIFIERS = (
    "inspection_id",
    "age_group",
    "gender",
    "ethnic_group",
    "offence_category",
    "rosh_level",
    "supervision_type",
)
RISK_TABLE = "dq.published_reidentification_risk"


@dataclass(frozen=True)
class ReidentificationRisk:
    """How many cases of the row-level file a combination of quasi-identifiers singles out."""

    cases: int
    unique_cases: int  # cases alone in their combination (k = 1)
    cases_below_5: int  # cases in combinations of fewer than 5 (k < 5)
    smallest_group: int

    @property
    def share_unique(self) -> float:
        return self.unique_cases / self.cases if self.cases else 0.0

    def describe(self) -> str:
        return (
            f"{self.share_unique:.0%} of {self.cases:,} cases are unique on "
            f"{', '.join(QUASI_IDENTIFIERS)} ({self.unique_cases:,}); "
            f"{self.cases_below_5:,} are in groups of fewer than 5"
        )


@dataclass
class PublishReport:
    path: Path
    tables: list[str]
    size_bytes: int
    storage_version: str
    risk: ReidentificationRisk | None  # row-level files only


def attach_for_writing(con: duckdb.DuckDBPyConnection, path: Path, storage_version: str) -> None:
    try:
        con.execute(
            f"attach {quote_literal(str(path))} as published "
            f"(storage_version {quote_literal(storage_version)})"
        )
    except duckdb.Error as error:
        raise ValueError(
            f"cannot write DuckDB storage version {storage_version!r} ({error}); "
            f"use a version such as {DEFAULT_STORAGE_VERSION!r}"
        ) from None


def _column_definitions(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    """Columns with their types and NOT NULLs, and the primary key, as in the restricted file.

    Tables the Python stages write carry no constraints there; their declared
    key (catalog.py) is given to the published copy, so a duplicate fails publish.
    """
    columns = con.execute(
        "select column_name, data_type, is_nullable from duckdb_columns() "
        "where database_name = 'restricted' and schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, name],
    ).fetchall()
    definitions = [
        f"{quote_identifier(column)} {data_type}{'' if nullable else ' not null'}"
        for column, data_type, nullable in columns
    ]
    keys = con.execute(
        "select constraint_type, constraint_column_names from duckdb_constraints() "
        "where database_name = 'restricted' and schema_name = ? and table_name = ? "
        "and constraint_type in ('PRIMARY KEY', 'UNIQUE') order by constraint_index",
        [schema, name],
    ).fetchall()
    declared = python_tables().get((schema, name))
    if not keys and declared:
        keys = [("PRIMARY KEY", declared.primary_key), ("UNIQUE", declared.unique_key)]
    for kind, key_columns in keys:
        if key_columns:
            definitions.append(f"{kind.lower()} ({', '.join(map(quote_identifier, key_columns))})")
    return definitions


def _comments(con: duckdb.DuckDBPyConnection, schema: str, name: str, comment) -> list[str]:
    """The restricted file's descriptions, else the declared ones (catalog.py)."""
    qualified = f"published.{quote_identifier(schema)}.{quote_identifier(name)}"
    declared = python_tables().get((schema, name))
    if declared and not comment:
        return comment_statements(declared, qualified)
    statements = [f"comment on table {qualified} is {quote_literal(comment)}"] if comment else []
    for column, column_comment in con.execute(
        "select column_name, comment from duckdb_columns() "
        "where database_name = 'restricted' and schema_name = ? "
        "and table_name = ? and comment is not null",
        [schema, name],
    ).fetchall():
        statements.append(
            f"comment on column {qualified}.{quote_identifier(column)} "
            f"is {quote_literal(column_comment)}"
        )
    return statements


def measure_risk(con: duckdb.DuckDBPyConnection, cases: str) -> ReidentificationRisk:
    """Group sizes of the cases on the quasi-identifiers (k-anonymity), from ``cases``."""
    keys = ", ".join(map(quote_identifier, QUASI_IDENTIFIERS))
    row = con.execute(
        f"""
        with groups as (select count(*) as k from {cases} group by {keys})
        select coalesce(sum(k), 0), coalesce(sum(k) filter (where k = 1), 0),
               coalesce(sum(k) filter (where k < 5), 0), coalesce(min(k), 0)
        from groups
        """
    ).fetchone()
    return ReidentificationRisk(*(int(v) for v in row))


RISK_COLUMNS = {
    "quasi_identifiers": "The dim_case columns an outsider could know, comma separated.",
    "cases": "Cases (rows of marts.dim_case).",
    "unique_cases": "Cases alone in their combination of the quasi-identifiers (k = 1).",
    "share_unique": "unique_cases / cases.",
    "cases_in_groups_below_5": "Cases in combinations shared by fewer than 5 cases (k < 5).",
    "smallest_group": "Size of the smallest combination (the file's k-anonymity).",
}


def _record_risk(con: duckdb.DuckDBPyConnection, risk: ReidentificationRisk) -> None:
    con.execute(
        f"""
        create table published.{RISK_TABLE} (
            quasi_identifiers varchar not null,
            cases bigint not null,
            unique_cases bigint not null,
            share_unique double not null,
            cases_in_groups_below_5 bigint not null,
            smallest_group bigint not null
        )
        """
    )
    con.execute(
        f"insert into published.{RISK_TABLE} values (?, ?, ?, ?, ?, ?)",
        [
            ", ".join(QUASI_IDENTIFIERS),
            risk.cases,
            risk.unique_cases,
            risk.share_unique,
            risk.cases_below_5,
            risk.smallest_group,
        ],
    )
    _describe(
        con,
        f"published.{RISK_TABLE}",
        "Re-identification risk of this file's row-level marts, measured when it was "
        "published: how many cases are alone (or in groups of fewer than 5) on the "
        "quasi-identifiers. Row-level data is for approved analysts only.",
        RISK_COLUMNS,
    )


def _describe(con, qualified: str, description: str, columns: dict[str, str]) -> None:
    """Comment a table made here (not declared in dbt or catalog.py) and its columns."""
    con.execute(f"comment on table {qualified} is {quote_literal(description)}")
    for column, text in columns.items():
        con.execute(
            f"comment on column {qualified}.{quote_identifier(column)} is {quote_literal(text)}"
        )


def write_analyst_file(
    db: Path, path: Path, storage_version: str
) -> tuple[list[str], ReidentificationRisk]:
    """Copy the published schemas of ``db`` into a new file at ``path``."""
    tables: list[str] = []
    schemas = ", ".join(quote_literal(s) for s in PUBLISHED_SCHEMAS)
    with duckdb.connect() as con:
        attach_for_writing(con, path, storage_version)
        con.execute(f"attach {quote_literal(str(db))} as restricted (read_only)")
        # One transaction: hundreds of comments and tables, written once at the end.
        con.begin()
        relations = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            f"where database_name = 'restricted' and schema_name in ({schemas}) "
            "union all "
            "select schema_name, view_name, comment from duckdb_views() "
            "where database_name = 'restricted' and not internal "
            f"and schema_name in ({schemas}) order by 1, 2"
        ).fetchall()
        missing = set(PUBLISHED_SCHEMAS[:2]) - {schema for schema, _, _ in relations}
        if missing:
            raise RuntimeError(
                f"{db} has no {', '.join(sorted(missing))}: run `public-protection build`"
            )
        for schema, name, comment in relations:
            con.execute(f"create schema if not exists published.{quote_identifier(schema)}")
            qualified = f"{quote_identifier(schema)}.{quote_identifier(name)}"
            # Views (e.g. dq.all_checks) become tables: the file stands alone.
            definitions = ",\n    ".join(_column_definitions(con, schema, name))
            con.execute(f"create table published.{qualified} (\n    {definitions}\n)")
            try:
                con.execute(
                    f"insert into published.{qualified} select * from restricted.{qualified}"
                )
            except duckdb.ConstraintException as error:
                raise RuntimeError(f"{schema}.{name} breaks its key: {error}") from None
            for statement in _comments(con, schema, name, comment):
                con.execute(statement)
            tables.append(f"{schema}.{name}")
        risk = measure_risk(con, "published.marts.dim_case")
        _record_risk(con, risk)
        tables.append(RISK_TABLE)
        con.commit()
        con.execute("detach restricted")
        con.execute("detach published")
    return tables, risk


# --- The aggregate file: the report's tables, disclosure control applied -----------------

AGGREGATE_SCHEMA = "report"


def column_name(header: str) -> str:
    """A column heading as an SQL name that needs no quoting: "Q&I % yes" -> qi_pct_yes,
    "All cases 95% CI low" -> all_cases_ci_low (the 95% is in the description)."""
    text = header.lower().replace("95%", " ").replace("&", "").replace("%", " pct ")
    name = "_".join(re.findall(r"[a-z0-9]+", text))
    return name if name[:1].isalpha() else f"c_{name}"


# What a heading's last words mean, longest first: the column's description.
MEANINGS = (
    ("95% CI low", "lower bound of the 95% Wilson interval for % yes, 0-100, one decimal place"),
    ("95% CI high", "upper bound of the 95% Wilson interval for % yes, 0-100, one decimal place"),
    ("% yes", "share of the n cases judged sufficient (Yes), 0-100, one decimal place"),
    ("Question ID", "the harmonised question's number (marts.dim_question.question_id)"),
    ("Programme order", "the programme's place in time (marts.dim_programme.sort_order)"),
    ("Change (percentage points)", "% yes minus the baseline programme's, in percentage points"),
    ("p-value", "two-sided p-value, unadjusted, as the warehouse computed it (not rounded)"),
    (
        "Comparability with the baseline",
        "how the programme's question compares with its "
        "baseline programme's: same, close or partial",
    ),
    ("Baseline programme", "the programme a change is measured against"),
    ("Programme", "the inspection programme's code (marts.dim_programme)"),
    (
        "Scope",
        "matched areas (the bulletin's 12 areas) or national (every case of a "
        "programme whose sample covers every area)",
    ),
    ("Agency", "responsible agency: All, CRC or NPS"),
    ("Step order", "the step's place in its flow"),
    ("Rows", "rows at this step: a count of records processed, not suppressed"),
    (" n", "cases judged Yes or No (the cell's n)"),
    ("Total", "cases in the sample, every programme of the table"),
)


# Headings that are a whole name, and what their values are.
NAMED = {
    "n": "cases judged Yes or No (the cell's n)",
    "Area": "the area (police force area), as Table 1 prints it, or Total",
    "Variable": "the subgroup variable, as the tables print it",
    "Category": "the subgroup, as the tables print it (All cases for the whole sample)",
    "Question": "the question's number and short name, as the report prints it",
    "Significant at 5%": "Yes where the change's p-value is below 0.05",
    "Model set": "bulletin, trend or programme (analysis.regression_models.model_set)",
    "Model": "the model (analysis.regression_models.model_id)",
    "Sentence": "the sentence's place among its question's findings",
    "Finding": "one finding in words, as the report prints it",
    "Sample": "the model's cases: All, CRC or NPS",
    "Level": "the level of the variable compared with the reference",
    "Against": "the variable's reference level",
    "Odds ratio": "odds of a positive judgement at the level over the reference's, "
    "adjusted for the model's other variables, two decimals; 'not estimable' under separation",
    "Flow": "the records counted: a programme's cases or judgements",
    "Step": "a step from rows received to the sample (received, duplicate, quarantined, "
    "excluded by a named rule, in the sample)",
    "Check no": "the check's place in this table",
    "Checked by": "dbt (tests) or great_expectations (suites)",
    "Severity": "critical (fails the run) or warning",
    "Check": "the check's name (or the published figure's id in the reconciliation)",
    "Passed": "Yes or No",
    "Detail": "what the check observed, without any personal value",
    "Published in": "the bulletin's table or text the figure is from",
    "Figure": "the published figure in words",
    "Published": "the value the bulletin prints",
    "Warehouse": "the warehouse's value, six decimal places",
    "Decimals": "the decimals the bulletin prints the figure to",
    "Grade": "same, close or partial: how the programme's question compares with its baseline's",
    "Reason": "why the question is graded so (marts.dim_question_source.comparability_note)",
    "Match": "Yes where the warehouse's value equals the published one at that precision",
}


# Numeric columns that disclosure control never hides: ids, orders, counts of records.
NEVER_HIDDEN = (
    "Question ID", "Programme order", "Step order", "Check no", "Sentence", "Decimals",
    "Rows", "Published",
)  # fmt: skip


def describe_heading(heading: str) -> str:
    """A report column's description from its heading: what its values mean."""
    if heading in NAMED:
        return f"{heading}: {NAMED[heading]}."
    for ending, meaning in MEANINGS:
        if heading == ending.strip() or heading.endswith(ending):
            subject = heading[: -len(ending)].strip() if heading != ending.strip() else ""
            of = f" ({subject})" if subject else ""
            return f"{heading}: {meaning}{of}."
    return f"{heading}: the figure as the report prints it."


def _column_type(values: list) -> str:
    present = [v for v in values if v is not None and v != SUPPRESSED]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "bigint"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "double"
    return "varchar"


def _write_sheet(con, sheet) -> str:
    """One report table as a typed table with its key, suppressed cells NULL; returns its
    name."""
    stem, title, header, rows, key = sheet
    columns = [column_name(h) for h in header]
    types = [_column_type([row[i] for row in rows]) for i in range(len(header))]
    qualified = f"published.{AGGREGATE_SCHEMA}.{quote_identifier(stem)}"
    definitions = [
        f"{quote_identifier(c)} {t}" + (" not null" if h in key else "")
        for c, t, h in zip(columns, types, header, strict=True)
    ]
    if key:
        definitions.append(
            "primary key (" + ", ".join(quote_identifier(column_name(h)) for h in key) + ")"
        )
    con.execute(f"create table {qualified} ({', '.join(definitions)})")
    if rows:
        values = [
            [
                None if v == SUPPRESSED else (str(v) if t == "varchar" and v is not None else v)
                for v, t in zip(row, types, strict=True)
            ]
            for row in rows
        ]
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"insert into {qualified} values ({marks})", values)
    con.execute(f"comment on table {qualified} is {quote_literal(title)}")
    for i, (column, heading, kind) in enumerate(zip(columns, header, types, strict=True)):
        hidden = f" NULL where the report shows {SUPPRESSED}: hidden by disclosure control."
        # a figure may be hidden; an identifier, an order or a count of records never is
        figure = kind != "varchar" and heading not in (*key, *NEVER_HIDDEN)
        can_be_hidden = figure or any(row[i] == SUPPRESSED for row in rows)
        note = describe_heading(heading) + (hidden if can_be_hidden else "")
        con.execute(
            f"comment on column {qualified}.{quote_identifier(column)} is {quote_literal(note)}"
        )
    return f"{AGGREGATE_SCHEMA}.{stem}"


ABOUT_COLUMNS = {
    "built_from": "The restricted warehouse file the tables were read from.",
    "build_mode": "Bulletin mode (the demo, compared with the bulletin) or user mode.",
    "minimum_n": "Cells with n below this are hidden.",
    "cells_below_minimum": "Cells hidden because their n is below minimum_n.",
    "cells_hidden_to_protect_them": "Further cells hidden so the first cannot be recovered.",
}


def write_aggregate_file(db: Path, path: Path, minimum_n: int, storage_version: str) -> list[str]:
    """Write the report's tables (suppressed cells as NULL) to a new file at ``path``.

    The same tables, with the same disclosure control, as the report's workbook
    and CSVs: nothing row-level, so this is the file for dashboards.
    """
    from public_protection.report.build import report_tables

    tables = report_tables(db, minimum_n)
    names: list[str] = []
    with duckdb.connect() as con:
        attach_for_writing(con, path, storage_version)
        con.begin()
        con.execute(f"create schema published.{AGGREGATE_SCHEMA}")
        for sheet in tables.sheets:
            names.append(_write_sheet(con, sheet))
        suppression = tables.layout.suppression
        about = f"published.{AGGREGATE_SCHEMA}.about"
        con.execute(
            f"create table {about} as select ? as built_from, ? as build_mode, "
            "? as minimum_n, ? as cells_below_minimum, ? as cells_hidden_to_protect_them",
            [
                db.name,
                tables.data.build.mode_label,
                minimum_n,
                suppression.count("primary"),
                suppression.count("secondary"),
            ],
        )
        _describe(
            con,
            about,
            "How this file was made: the report's tables with its disclosure control "
            "(cells with n below minimum_n, and cells that would reveal them, are NULL).",
            ABOUT_COLUMNS,
        )
        names.append(f"{AGGREGATE_SCHEMA}.about")
        con.commit()
        con.execute("detach published")
    return names


def publish(
    db: Path,
    analyst: Path,
    aggregate: Path,
    minimum_n: int,
    storage_version: str = DEFAULT_STORAGE_VERSION,
) -> tuple[PublishReport, PublishReport]:
    """Both files, each replaced only once both are written: all or nothing."""
    with (
        replaced_atomically(analyst) as analyst_temporary,
        replaced_atomically(aggregate) as aggregate_temporary,
    ):
        tables, risk = write_analyst_file(db, analyst_temporary, storage_version)
        names = write_aggregate_file(db, aggregate_temporary, minimum_n, storage_version)
    return (
        PublishReport(analyst, tables, analyst.stat().st_size, storage_version, risk),
        PublishReport(aggregate, names, aggregate.stat().st_size, storage_version, None),
    )
