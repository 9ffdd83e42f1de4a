"""The SQL that flattens one level of a JSON export's records (each read as a map of
its keys to JSON values) into a raw table's columns, with what the checks need beside
them: each map's keys, the entries the layout does not name, odd values, nested lists."""

from __future__ import annotations

from dataclasses import dataclass, field

from public_protection.layout import RawTable
from public_protection.readers.json_text import NON_FINITE
from public_protection.sql import quote_identifier, quote_literal


# SQL: a JSON value as the text raw keeps (see ``json_text``).
def text_sql(expression: str) -> str:
    return f"json_extract_string({expression}, '$')"


def kind_name(kind: str | None) -> str:
    return {
        None: "null",
        "NULL": "null",
        "VARCHAR": "a string",
        "BOOLEAN": "true or false",
        "ARRAY": "a list",
        "OBJECT": "an object",
    }.get(kind, "a number")


# --- one level of records: its known objects and its fields ------------------------


@dataclass
class Level:
    """The records of one raw table: fields by path, the objects the paths go through."""

    table: RawTable
    fields: tuple[str, ...]  # paths of the record's own fields (with ``nested`` lists)
    structural: set[str]  # first keys whose values are read elsewhere (nested lists)
    objects: list[str] = field(default_factory=list)  # object paths, outermost first

    def __post_init__(self) -> None:
        for path in self.fields:
            parts = path.split(".")
            for depth in range(1, len(parts)):
                prefix = ".".join(parts[:depth])
                if prefix not in self.objects:
                    self.objects.append(prefix)


def _map_column(prefix: str) -> str:
    return quote_identifier(f"object:{prefix}")


def _holder(path: str) -> tuple[str, str]:
    """The SQL map a path's last key is looked up in, and that key."""
    prefix, _, key = path.rpartition(".")
    return ("m" if not prefix else _map_column(prefix)), key


def _keys_list(keys) -> str:
    return "[" + ", ".join(quote_literal(k) for k in keys) + "]::VARCHAR[]"


def level_sql(inner: str, level: Level, parents: tuple[str, ...]) -> str:
    """SQL: a level's records (``m``, a map, from ``inner``) as raw columns, with what
    the checks need beside them: each map's keys, the entries the layout does not
    name (``@extra``), values JSON has no place for (``@odd``), the nested lists."""
    objects = "".join(
        f", try_cast({h}[{quote_literal(k)}] as MAP(VARCHAR, JSON)) as {_map_column(p)}"
        for p in level.objects
        for h, k in [_holder(p)]
    )
    columns = []
    for path in level.fields:
        if path in level.structural:
            continue
        holder, key = _holder(path)
        columns.append(f"{text_sql(f'{holder}[{quote_literal(key)}]')} as {quote_identifier(path)}")
    columns.append('map_keys(m) as "@keys"')
    extra = []
    leaves = []
    odd = (
        "lambda e: (length(e.value::varchar) <= 10 and lower(e.value::varchar) in ("
        + ", ".join(quote_literal(n) for n in NON_FINITE)
        + ")) or left(e.value::varchar, 1) in ('[', '{')"
    )
    for prefix in (None, *level.objects):
        inside = [
            p.rpartition(".")[2]
            for p in (*level.fields, *level.objects)
            if p.rpartition(".")[0] == (prefix or "")
        ]
        if prefix is None:
            inside += list(parents)
        holder = "m" if prefix is None else _map_column(prefix)
        entries = f"coalesce(map_entries({holder}), [])"
        if prefix is not None:
            columns.append(f"map_keys({holder}) as {quote_identifier('@keys:' + prefix)}")
            entries = (
                f"list_transform({entries}, lambda e: struct_pack(key := "
                f"{quote_literal(prefix + '.')} || e.key, value := e.value))"
            )
            inside = [f"{prefix}.{k}" for k in inside]
            o_holder, o_key = _holder(prefix)
            columns.append(
                f"case when {holder} is null and map_contains({o_holder}, {quote_literal(o_key)}) "
                f"then coalesce(json_type({o_holder}[{quote_literal(o_key)}]), 'NULL') end "
                f"as {quote_identifier('@kind:' + prefix)}"
            )
        # the usual record has only the layout's keys: its entries are not looked at
        extra.append(
            f"case when list_has_all({_keys_list(inside)}, coalesce(map_keys({holder}), [])) "
            f"then [] else list_filter({entries}, lambda e: not list_contains("
            f"{_keys_list(inside)}, e.key)) end"
        )
        skip = [*level.objects, *level.structural]
        leaves.append(
            f"list_filter({entries}, lambda e: not list_contains({_keys_list(skip)}, e.key))"
        )
    columns.append(f'list_concat({", ".join(extra)}) as "@extra"')
    # values as one text: the usual record has none starting [ { or a letter of NaN or inf
    values = " || ".join(
        f"array_to_string(coalesce(map_values({h}), [])::VARCHAR[], chr(1))"
        for h in ["m", *(_map_column(p) for p in level.objects)]
    )
    columns.append(
        f"case when not regexp_matches(chr(1) || {values}, '\\x01([-+]?[nNiI]|[\\[{{])') "
        f'then [] else list_filter(list_concat({", ".join(leaves)}), {odd}) end as "@odd"'
    )
    for name in level.structural:
        columns.append(f"m[{quote_literal(name)}] as {quote_identifier('@list:' + name)}")
    for name in parents:
        columns.append(
            f"map_contains(m, {quote_literal(name)}) as {quote_identifier('@has:' + name)}"
        )
        columns.append(
            f"{text_sql(f'm[{quote_literal(name)}]')} as {quote_identifier('@given:' + name)}"
        )
    return f"select *, {', '.join(columns)} from (select *{objects} from ({inner}))"
