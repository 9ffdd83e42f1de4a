"""Types, descriptions and keys of the tables the Python stages write (``analysis``, ``dq``).

Their one copy is dbt's source declaration,
``models/python_outputs/_python_outputs__sources.yml``, so dbt's docs, exposures
and the warehouse's own comments say the same thing. ``{{ doc('name') }}``
references are resolved from ``models/docs.md``, as dbt resolves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from public_protection.settings import find_project_dir
from public_protection.sql import quote_identifier, quote_literal

SOURCES_FILE = Path("models") / "python_outputs" / "_python_outputs__sources.yml"
DOCS_FILE = Path("models") / "docs.md"
DOC_BLOCK = re.compile(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", re.S)
DOC_REFERENCE = re.compile(r"""{{\s*doc\(\s*['"](\w+)['"]\s*\)\s*}}""")


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    description: str


@dataclass(frozen=True)
class TableSpec:
    schema: str
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = field(default=())
    # For a grain with a column that may be empty (a key column cannot be).
    unique_key: tuple[str, ...] = field(default=())

    @property
    def qualified(self) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.name)}"

    def require_columns(self, columns: list[str]) -> None:
        """Fail when a writer's columns and the declaration differ (neither is silently lost)."""
        declared = [c.name for c in self.columns]
        if columns != declared:
            missing = [c for c in declared if c not in columns]
            extra = [c for c in columns if c not in declared]
            raise ValueError(
                f"{self.schema}.{self.name}: the columns written differ from {SOURCES_FILE} "
                f"(not written: {missing or 'none'}; not declared: {extra or 'none'}; "
                "or in another order)"
            )

    def typed_select(self, relation: str) -> str:
        """Select the declared columns from ``relation``, cast to their declared types.

        A column that is empty in every row would otherwise take pandas' type
        NULL, which no BI tool and no older DuckDB can use.
        """
        columns = ", ".join(
            f"cast({quote_identifier(c.name)} as {c.data_type}) as {quote_identifier(c.name)}"
            for c in self.columns
        )
        return f"select {columns} from {relation}"


@cache
def doc_blocks(project_dir: Path) -> dict[str, str]:
    text = (project_dir / DOCS_FILE).read_text(encoding="utf-8")
    return {name: " ".join(body.split()) for name, body in DOC_BLOCK.findall(text)}


def resolve(text: str, project_dir: Path) -> str:
    blocks = doc_blocks(project_dir)
    return " ".join(DOC_REFERENCE.sub(lambda m: blocks[m.group(1)], text).split())


@cache
def python_tables(project_dir: Path | None = None) -> dict[tuple[str, str], TableSpec]:
    """Every declared ``analysis``/``dq`` table, by (schema, table)."""
    project_dir = project_dir or find_project_dir()
    declared = yaml.safe_load((project_dir / SOURCES_FILE).read_text(encoding="utf-8"))
    tables = {}
    for source in declared["sources"]:
        for table in source["tables"]:
            meta = table.get("config", {}).get("meta", {})
            spec = TableSpec(
                schema=source["schema"],
                name=table["name"],
                description=resolve(table.get("description", ""), project_dir),
                columns=tuple(
                    Column(c["name"], c["data_type"], resolve(c["description"], project_dir))
                    for c in table["columns"]
                ),
                primary_key=tuple(meta.get("primary_key", ())),
                unique_key=tuple(meta.get("unique_key", ())),
            )
            tables[(spec.schema, spec.name)] = spec
    return tables


def table_spec(schema: str, name: str) -> TableSpec:
    try:
        return python_tables()[(schema, name)]
    except KeyError:
        raise KeyError(f"{schema}.{name} is not declared in {SOURCES_FILE}") from None


def comment_statements(
    spec: TableSpec, qualified: str | None = None, kind: str = "table"
) -> list[str]:
    """``comment on`` statements giving a table (or view) and its columns their descriptions."""
    target = qualified or spec.qualified
    statements = [f"comment on {kind} {target} is {quote_literal(spec.description)}"]
    statements += [
        f"comment on column {target}.{quote_identifier(c.name)} is {quote_literal(c.description)}"
        for c in spec.columns
    ]
    return statements
