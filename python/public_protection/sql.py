"""Quoting for the few SQL statements built from names at run time."""

from __future__ import annotations


def quote_identifier(name: str) -> str:
    """A DuckDB identifier in double quotes, any embedded quote doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A DuckDB string literal in single quotes, any embedded quote doubled."""
    return "'" + text.replace("'", "''") + "'"
