"""Build the published warehouse for BI tools, and replace it atomically.

The published file holds ``marts``, ``reporting``, ``analysis`` and ``dq`` only,
as plain tables with their descriptions as comments: no ``raw``, ``staging`` or
``intermediate``, no macros, no personal column. It is written to a temporary
file beside the target and moved into place with ``os.replace``: a BI tool that
holds the previous file open keeps reading it undisturbed (the old inode lives
on until it closes), never sees a half-written file, and never blocks a publish.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from public_protection.sql import quote_identifier, quote_literal

PUBLISHED_SCHEMAS = ("marts", "reporting", "analysis", "dq")


@dataclass
class PublishReport:
    path: Path
    tables: list[str]
    size_bytes: int


def publish(db: Path, target: Path) -> PublishReport:
    """Copy the published schemas of ``db`` into ``target``, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    tables: list[str] = []
    try:
        with duckdb.connect(str(temporary)) as con:
            con.execute(f"attach {quote_literal(str(db))} as restricted (read_only)")
            relations = con.execute(
                "select schema_name, table_name, comment from duckdb_tables() "
                "where database_name = 'restricted' and schema_name in "
                f"({', '.join(quote_literal(s) for s in PUBLISHED_SCHEMAS)}) "
                "union all "
                "select schema_name, view_name, comment from duckdb_views() "
                "where database_name = 'restricted' and not internal and schema_name in "
                f"({', '.join(quote_literal(s) for s in PUBLISHED_SCHEMAS)}) "
                "order by 1, 2"
            ).fetchall()
            missing = set(PUBLISHED_SCHEMAS[:2]) - {schema for schema, _, _ in relations}
            if missing:
                raise RuntimeError(
                    f"{db} has no {', '.join(sorted(missing))}: run `public-protection build`"
                )
            for schema, name, comment in relations:
                con.execute(f"create schema if not exists {quote_identifier(schema)}")
                qualified = f"{quote_identifier(schema)}.{quote_identifier(name)}"
                # Views (e.g. dq.all_checks) become tables: the file stands alone.
                con.execute(f"create table {qualified} as select * from restricted.{qualified}")
                if comment:
                    con.execute(f"comment on table {qualified} is {quote_literal(comment)}")
                for column, column_comment in con.execute(
                    "select column_name, comment from duckdb_columns() "
                    "where database_name = 'restricted' and schema_name = ? "
                    "and table_name = ? and comment is not null",
                    [schema, name],
                ).fetchall():
                    con.execute(
                        f"comment on column {qualified}.{quote_identifier(column)} "
                        f"is {quote_literal(column_comment)}"
                    )
                tables.append(f"{schema}.{name}")
            con.execute("detach restricted")
            con.execute("checkpoint")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return PublishReport(target, tables, target.stat().st_size)
