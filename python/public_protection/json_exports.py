"""Land a JSON export's records in the scratch database with DuckDB, or refuse the file.

An export is one object whose bulk is one list of records (PI18's ``cases``, each with
its ``ratings``). The list is not parsed in Python: the object's other fields (a few
hundred bytes, before the list) are, and the list's bytes are copied to a scratch file
that DuckDB reads as a JSON array, a record at a time, so memory stays flat with the
file's size and the records are flattened at DuckDB's speed. Each record is read as a
map of its keys to their JSON values, so a field that is absent is told from one that
is null, and fields the layout does not name are found at every level.

Where DuckDB cannot read the list (the file is not JSON, or its list is not the
object's last field), the file is parsed whole in Python: a file that is not JSON is
refused with the line and column Python's parser names, and an export whose fields
come in another order is loaded from the parsed object. Only those files need memory
in proportion to their size.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from public_protection.layout import PROVENANCE_COLUMNS, RawTable
from public_protection.readers import BLOCK_BYTES, FileRejected, sniff_kind
from public_protection.sql import quote_identifier, quote_literal

# DuckDB reads values JSON has no place for (NaN, Infinity, nan, inf, ...): found by
# their text, then placed by Python's parser, which refuses them.
NON_FINITE = ("nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity")
# Python's parser, nesting in Python frames, stops near the recursion limit; the
# same limit is applied to a value DuckDB read, so the refusal does not depend on
# which reader saw the file.
MAX_DEPTH = sys.getrecursionlimit()
TOO_DEEP = (
    "nested too deeply to read (lists or objects inside one another beyond "
    f"the reader's limit of about {MAX_DEPTH:,} levels)"
)
# A record DuckDB reads whole may be as long as the list (one huge free-text field).
MIN_OBJECT_BYTES = 16 * 1024 * 1024
_WHITESPACE = b" \t\r\n"


# --- the export's bytes and its fields outside the list ----------------------------


def check_start(file: str, head: bytes) -> None:
    """Refuse an export by its first bytes: empty, a byte-order mark, not text."""
    if not head:
        raise FileRejected(file, "file is empty (0 bytes)")
    if head.startswith(b"\xef\xbb\xbf"):
        raise FileRejected(file, "starts with a UTF-8 byte-order mark; the export must be UTF-8")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            file, "is UTF-16 text (it starts with a UTF-16 byte-order mark); the export must be "
            "UTF-8 without a byte-order mark",
        )  # fmt: skip
    kind = sniff_kind(head[:512])
    if kind != "text":
        raise FileRejected(file, f"has a .json name but is {kind}")


class _NotJson(ValueError):
    """A NaN or Infinity literal: Python's json module reads them, JSON has none."""


def _not_json(literal: str):
    raise _NotJson(literal)


# A JSON string, or one of the literals Python's json module reads and JSON lacks.
_STRING_OR_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN')


def _place(text: str) -> tuple[int, int]:
    """Line and column (from 1) of the first NaN or Infinity outside a string in ``text``."""
    offset = next(
        (m.start() for m in _STRING_OR_LITERAL.finditer(text) if not m[0].startswith('"')), 0
    )
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


_DECODER = json.JSONDecoder(parse_constant=_not_json)


def parse_json(file: str, text: str, decode=None) -> Any:
    """Parse JSON text, refusing it with the place Python's parser names."""
    try:
        return (decode or _DECODER.decode)(text)
    except json.JSONDecodeError as error:
        raise FileRejected(
            file, f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except _NotJson as literal:
        line, column = _place(text)
        raise FileRejected(
            file, f"invalid JSON at line {line}, column {column}: {literal.args[0]} is not a "
            "JSON value (JSON has no NaN or Infinity)",
        ) from None  # fmt: skip
    except RecursionError:
        raise FileRejected(file, TOO_DEEP) from None


def read_json_document(file: str, path: Path) -> dict:
    """Parse a JSON export whole: UTF-8 without a byte-order mark, one object.

    The diagnosis for a file DuckDB could not read, and the reader of one whose
    list of records is not its last field: memory in proportion to the file.
    """
    data = path.read_bytes()
    check_start(file, data[:512])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRejected(file, f"is not UTF-8 text: byte {error.start} cannot be read") from None
    del data
    document = parse_json(file, text)
    if not isinstance(document, dict):
        raise FileRejected(file, f"holds a JSON {type(document).__name__}, not one object")
    return document


@dataclass
class ExportHead:
    """The export's fields before its list of records, and where the list's bytes are."""

    fields: dict[str, Any]
    list_start: int  # byte offset of the list's ``[``
    list_end: int  # byte offset just past its ``]``


def _decode_prefix(data: bytes, final: bool) -> str:
    """UTF-8 text of a file's first bytes (a character cut at the end waits)."""
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        raise _NotHead from None


class _NeedMore(Exception):
    """The bytes read so far end inside a value: read more and scan again."""


class _NotHead(Exception):
    """The start of the file is not an object's fields: the whole file is parsed."""


_WS = re.compile(r"[ \t\n\r]*")


def _scan_fields(text: str, complete: bool, list_key: str) -> tuple[dict, int] | None:
    """The top-level object's fields up to ``list_key``, and the character offset of its
    value; None if the text is not an object whose ``list_key`` is a list."""
    pos = _WS.match(text, 0).end()
    if pos >= len(text):
        if complete:
            return None
        raise _NeedMore
    if text[pos] != "{":
        return None
    pos += 1
    fields: dict[str, Any] = {}
    while True:
        pos = _WS.match(text, pos).end()
        if pos >= len(text):
            raise _NeedMore
        if text[pos] == "}" and not fields:
            return None  # an empty object: no list
        key, pos = _value(text, pos, complete)
        if not isinstance(key, str):
            return None
        pos = _WS.match(text, pos).end()
        if pos >= len(text):
            raise _NeedMore
        if text[pos] != ":":
            return None
        pos = _WS.match(text, pos + 1).end()
        if pos >= len(text):
            raise _NeedMore
        if key == list_key:
            return (fields, pos) if text[pos] == "[" else None
        fields[key], pos = _value(text, pos, complete)
        pos = _WS.match(text, pos).end()
        if pos >= len(text):
            raise _NeedMore
        if text[pos] != ",":
            return None
        pos += 1


def _value(text: str, pos: int, complete: bool) -> tuple[Any, int]:
    """One JSON value at ``pos``: ``_NeedMore`` if it may run past the text read,
    ``_NotHead`` if it is not JSON (the whole file's parse then names the place)."""
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as error:
        if not complete and (error.pos > len(text) - 64 or error.msg.startswith("Unterminated")):
            raise _NeedMore from None
        raise _NotHead from None
    except (_NotJson, RecursionError):
        raise _NotHead from None


def scan_head(file: str, path: Path, list_key: str) -> ExportHead | None:
    """Read an export's fields before ``list_key`` and find its list's bytes, streaming.

    None when the export is not laid out as one object ending in that list (another
    order of fields, or not JSON): the caller then parses it whole, and a file that is
    not JSON is refused with the place Python's parser names, as before.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        wanted = BLOCK_BYTES
        while True:
            handle.seek(0)
            data = handle.read(wanted)
            check_start(file, data[:512])
            complete = len(data) >= size
            try:
                text = _decode_prefix(data, complete)
                found = _scan_fields(text, complete, list_key)
                break
            except _NotHead:
                return None
            except _NeedMore:
                if complete:
                    return None
                wanted *= 4
        if found is None:
            return None
        fields, start = found
        list_start = len(text[:start].encode("utf-8"))
        # The list is the object's last field: the file ends ``]``, ``}``, whitespace.
        tail_at = max(list_start, size - 4096)
        handle.seek(tail_at)
        tail = handle.read().rstrip(_WHITESPACE)
    if not tail.endswith(b"}"):
        return None
    tail = tail[:-1].rstrip(_WHITESPACE)
    if not tail.endswith(b"]"):
        return None
    list_end = tail_at + len(tail)
    if list_end <= list_start:
        return None
    return ExportHead(fields, list_start, list_end)


def copy_bytes(source: Path, start: int, end: int, target: Path) -> None:
    """Copy bytes [start, end) of ``source`` to ``target``, a block at a time."""
    with source.open("rb") as reading, target.open("wb") as writing:
        reading.seek(start)
        left = end - start
        while left > 0:
            block = reading.read(min(BLOCK_BYTES, left))
            if not block:
                break
            writing.write(block)
            left -= len(block)


# --- values as raw keeps them ---------------------------------------------------


def json_text(value: Any) -> str | None:
    """A JSON value as the text raw keeps: strings as received, null as NULL, true and
    false as ``true`` and ``false``, numbers as written, lists and objects as compact
    JSON (as DuckDB writes them)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_MISSING = object()


def field_at(record: dict, path: str) -> Any:
    """The value at a dotted path, or ``_MISSING`` if a key on the way is absent."""
    value: Any = record
    for key in path.split("."):
        if type(value) is not dict or key not in value:
            return _MISSING
        value = value[key]
    return value


# SQL: a JSON value as the text raw keeps (see ``json_text``).
def _text(expression: str) -> str:
    return f"json_extract_string({expression}, '$')"


def _kind_name(kind: str | None) -> str:
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


def _level_sql(inner: str, level: Level, parents: tuple[str, ...]) -> str:
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
        columns.append(f"{_text(f'{holder}[{quote_literal(key)}]')} as {quote_identifier(path)}")
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
            f"{_text(f'm[{quote_literal(name)}]')} as {quote_identifier('@given:' + name)}"
        )
    return f"select *, {', '.join(columns)} from (select *{objects} from ({inner}))"


# --- reading and checking -------------------------------------------------------


@dataclass
class StagedJson:
    """One raw table's rows from an export, waiting in the scratch database."""

    table: RawTable
    scratch_table: str
    extra_columns: list[str]
    rows: int


@dataclass
class _Fault:
    item: int  # the record's number: of several faults, the first record's is named
    order: int  # then the layout's order of fields
    rejection: FileRejected


class JsonExport:
    """One export being landed in the scratch database, or refused."""

    def __init__(
        self,
        scratch: duckdb.DuckDBPyConnection,
        prefix: str,
        file: str,
        path: Path,
        tables: list[RawTable],
        workdir: Path,
        sha256: str,
        loaded_at: dt.datetime,
    ):
        self.scratch = scratch
        self.prefix = prefix
        self.file = file
        self.path = path
        self.tables = tables
        self.workdir = workdir
        spec = tables[0].json
        assert spec is not None
        self.spec = spec
        self.list_key = spec.records[0]
        self.levels = []
        for table in tables:
            assert table.json is not None and table.json.records[0] == self.list_key
            nested = set(table.json.nested)
            self.levels.append(Level(table, (*table.json.fields, *table.json.nested), nested))
        self.provenance = (
            f"{quote_literal(file)} as _source_file, {quote_literal(sha256)} as _source_sha256, "
            f"{quote_literal(loaded_at.isoformat(sep=' '))}::timestamp as _loaded_at"
        )

    def sql(self, statement: str) -> list[tuple]:
        return self.scratch.execute(statement).fetchall()

    def name(self, index: int) -> str:
        return f"{self.prefix}_{self.tables[index].name}"

    def reject(self, reason: str, row: int | None = None, column: str | None = None):
        return FileRejected(self.file, reason, row, column)

    def diagnose(self, why: str) -> FileRejected:
        """DuckDB read a value JSON has no place for: Python's parser names the place."""
        read_json_document(self.file, self.path)  # raises with the line and column
        return self.reject(why)

    # -- the list's records, read by DuckDB --

    def read(self) -> dict:
        """The export's own fields; its list's records into the scratch database."""
        records = self.workdir / f"{self.prefix}.json"
        try:
            head = scan_head(self.file, self.path, self.list_key)
            if head is not None:
                copy_bytes(self.path, head.list_start, head.list_end, records)
                try:
                    self._read_records(records, head.fields)
                    return head.fields
                except duckdb.Error:
                    pass  # not JSON, or the list is not the last field: parse it whole
            document = read_json_document(self.file, self.path)
            listed = document.pop(self.list_key, _MISSING)
            if listed is _MISSING:
                raise self.reject(f"has no {self.list_key!r} list", column=self.list_key)
            if not isinstance(listed, list):
                raise self.reject(f"{self.list_key!r} is not a list", column=self.list_key)
            try:
                with records.open("w", encoding="utf-8") as handle:
                    json.dump(listed, handle, ensure_ascii=False, allow_nan=False)
            except ValueError:
                raise self.reject(
                    "holds a number too large to read (it reads as infinity)"
                ) from None
            del listed
            try:
                self._read_records(records, document)
            except duckdb.Error as error:
                raise self.reject(f"cannot be read as JSON ({error})") from None
            return document
        finally:
            records.unlink(missing_ok=True)

    def _read_records(self, records: Path, document: dict) -> None:
        table = self.name(0)
        own = ", ".join(
            f"{'null' if v is None else quote_literal(v)}::varchar as {quote_identifier(n)}"
            for n in self.spec.document_columns
            for v in [
                json_text(field_at(document, n)) if field_at(document, n) is not _MISSING else None
            ]
        )
        inner = (
            "select item, m, case when m is null then json_type(json) end as kind, "
            "case when m is null then json end as raw from (select ordinality as item, json, "
            "try_cast(json as MAP(VARCHAR, JSON)) as m from read_json_objects("
            f"{quote_literal(str(records))}, format = 'array', "
            f"maximum_object_size = {MIN_OBJECT_BYTES}) with ordinality)"
        )
        self.scratch.execute(f"drop table if exists {table}")
        self.scratch.execute(
            f"create table {table} as select {own + ', ' if own else ''}*, item::integer as "
            f"_source_row, {self.provenance} from ({_level_sql(inner, self.levels[0], ())})"
        )

    # -- the export's own fields --

    def check_document(self, document: dict) -> list[str]:
        """Format and inspection id, the export's own fields present; the fields it has
        that the layout does not name (kept as columns of the first table)."""
        check_json_document(self.file, self.path.name, document, self.tables[0])
        for name in self.spec.document_columns:
            if field_at(document, name) is _MISSING:
                raise self.reject(f"missing required field {name!r}", column=name)
        known = {name.split(".")[0] for name in self.spec.document_columns} | {self.list_key}
        objects = {name.rpartition(".")[0] for name in self.spec.document_columns} - {""}
        extras = []
        for key, value in document.items():
            if key in objects and isinstance(value, dict):
                inside = {
                    n.rpartition(".")[2]
                    for n in self.spec.document_columns
                    if n.startswith(key + ".")
                }
                extras += [f"{key}.{k}" for k in value if k not in inside]
            elif key not in known:
                extras.append(key)
        table = self.name(0)
        for path in extras:
            head, _, rest = path.partition(".")
            value = json_text(document[head][rest] if rest and head in objects else document[path])
            self.scratch.execute(
                f"alter table {table} add column {quote_identifier(path)} varchar default "
                + ("null" if value is None else quote_literal(value))
            )
        return extras

    # -- one level's records --

    def label(self, index: int, item: int) -> str:
        if index == 0:
            return f"{self.list_key} item {item}"
        ((parent, sub),) = self.sql(f"select parent, sub from {self.name(1)} where item = {item}")
        return f"{self.list_key} item {parent}, {self.levels[1].table.json.records[1]} item {sub}"

    def refuse_odd_records(self) -> None:
        """Refuse the first record that is not an object, or gives a key twice."""
        rows = self.sql(
            f"select item, kind, raw from {self.name(0)} where kind is not null "
            "order by item limit 1"
        )
        if not rows:
            return
        ((item, kind, raw),) = rows
        where = self.label(0, item)
        if kind != "OBJECT":
            raise self.reject(f"{where} is not an object", row=item)
        repeated = _repeated_keys(raw)
        raise self.reject(
            f"{where} gives the key {repeated!r} twice in one object: which value is meant "
            "cannot be known",
            row=item,
            column=repeated,
        )

    def check_level(self, index: int, own: list[str]) -> list[str]:
        """Refuse the first record lacking a field, repeating the key, or holding a key
        that differs from another only in letter case; keep (as columns) the fields the
        layout does not name, and return them."""
        level = self.levels[index]
        spec = level.table.json
        source = self.name(index)
        label = lambda item: self.label(index, item)  # noqa: E731
        for item, entry in self.sql(
            f'select item, unnest("@odd") from {source} where len("@odd") > 0 '
            "order by item limit 100"
        ):
            path, value = entry["key"], str(entry["value"])
            if value.lower() in NON_FINITE:
                raise self.diagnose(
                    f"{label(item)}: {path} is {value}, which JSON has no place for"
                )
            try:
                json.loads(value, parse_constant=_not_json)
            except _NotJson:
                raise self.diagnose(f"{label(item)}: {path} holds a NaN or Infinity") from None
            except RecursionError:
                raise self.reject(TOO_DEEP) from None
        received = self.sql(
            f'select e.key, min(item) from (select item, unnest("@extra") as e, '
            f'unnest(range(len("@extra"))) as place from {source}) group by e.key '
            "order by min(item * 100000 + place)"
        )
        faults: list[_Fault] = []
        declared = {
            path.lower(): path for path in (*level.fields, *level.objects, *spec.parent_columns)
        }
        reserved = {n.lower() for n in PROVENANCE_COLUMNS} | {n.lower() for n in own}
        seen: dict[str, str] = {}
        extras: list[str] = []
        for path, first in received:
            other = declared.get(path.lower()) or seen.get(path.lower())
            if other is not None:
                both = self._has_both(source, path, other, first)
                reason = (
                    f"{label(first)} has both {other!r} and {path!r}: "
                    if both
                    else f"{label(first)} has {path!r} where the layout names {other!r}: "
                    if other in declared.values()
                    else f"{label(first)} has {path!r} where an earlier record has {other!r}: "
                )
                reason += (
                    "names that differ only in letter case cannot be told apart as columns; "
                    "rename one"
                )
                faults.append(_Fault(first, -1, self.reject(reason, row=first, column=path)))
                continue
            if path.lower() in reserved:
                faults.append(
                    _Fault(
                        first,
                        -1,
                        self.reject(
                            f"{label(first)}: its field {path!r} is a reserved name or one of "
                            "the export's own fields",
                            row=first,
                            column=path,
                        ),
                    )
                )
                continue
            seen[path.lower()] = path
            extras.append(path)
        faults += self._missing_fields(source, level, label)
        if spec.key is not None:
            faults += self._repeated_key(source, spec.key, spec.records[0])
        for name in spec.parent_columns:
            faults += self._parent_given_again(source, name, label)
        if faults:
            raise min(faults, key=lambda fault: (fault.item, fault.order)).rejection
        for path in extras:
            found = f'list_filter("@extra", lambda e: e.key = {quote_literal(path)})[1].value'
            column = quote_identifier(path)
            self.scratch.execute(f"alter table {source} add column {column} varchar")
            self.scratch.execute(
                f'update {source} set {column} = {_text(found)} where len("@extra") > 0'
            )
        return extras

    def _has_both(self, source: str, path: str, other: str, item: int) -> bool:
        prefix = path.rpartition(".")[0]
        keys = (
            quote_identifier("@keys:" + prefix)
            if prefix and f"@keys:{prefix}" in self._columns(source)
            else '"@keys"'
        )
        other_key = other.rpartition(".")[2] if keys != '"@keys"' else other
        ((both,),) = self.sql(
            f"select list_contains({keys}, {quote_literal(other_key)}) from {source} "
            f"where item = {item}"
        )
        return bool(both)

    def _columns(self, source: str) -> set[str]:
        return {r[0] for r in self.sql(f"select column_name from (describe {source})")}

    def _missing_fields(self, source: str, level: Level, label) -> list[_Fault]:
        presence = []
        for path in level.fields:
            prefix, _, key = path.rpartition(".")
            keys = quote_identifier("@keys:" + prefix) if prefix else '"@keys"'
            presence.append(
                f"min(item) filter (where not coalesce(list_contains({keys}, "
                f"{quote_literal(key)}), false))"
            )
        (firsts,) = self.sql(f"select {', '.join(presence)} from {source}")
        faults = []
        for order, (path, item) in enumerate(zip(level.fields, firsts, strict=True)):
            if item is None:
                continue
            reason = f"{label(item)} has no field {path!r}"
            prefix = path.rpartition(".")[0]
            if prefix:  # the object it should be in: null or not an object
                ((kind,),) = self.sql(
                    f"select {quote_identifier('@kind:' + prefix)} from {source} "
                    f"where item = {item}"
                )
                if kind is not None:
                    reason += f" ({prefix!r} is {_kind_name(kind)}, not an object)"
            faults.append(_Fault(item, order, self.reject(reason, item, path)))
        return faults

    def _repeated_key(self, source: str, key: str, records: str) -> list[_Fault]:
        rows = self.sql(
            f"select item, first, given from (select item, given, min(item) over "
            f"(partition by trim(given)) as first from (select item, {quote_identifier(key)} "
            f"as given from {source}) where given is not null) where item > first "
            "order by item limit 1"
        )
        if not rows:
            return []
        ((item, first, given),) = rows
        reason = (
            f"{key} {given.strip()!r} is given twice in the file "
            f"({records} items {first} and {item})"
        )
        return [_Fault(item, len(self.levels[0].fields), self.reject(reason, item, key))]

    def _parent_given_again(self, source: str, name: str, label) -> list[_Fault]:
        """A record that repeats its parent's field (a rating's case_id) must agree."""
        given = quote_identifier("@given:" + name)
        rows = self.sql(
            f"select item, {given}, {quote_identifier(name)} from {source} where "
            f"{quote_identifier('@has:' + name)} and {given} is distinct from "
            f"{quote_identifier(name)} order by item limit 1"
        )
        if not rows:
            return []
        ((item, given, parent),) = rows
        outer, _, inner = label(item).partition(", ")
        reason = (
            f"{outer} ({name} {parent!r}), {inner} gives {name} {given!r}: a record in a "
            f"list inside another gives, if any, the {name} of the one it is in"
        )
        return [_Fault(item, -1, self.reject(reason, item, name))]

    def build_nested_level(self) -> None:
        """The second level's records (a case's ratings), numbered through the file; a
        case whose list is not one of objects (or gives a key twice) is refused."""
        level = self.levels[1]
        spec = level.table.json
        inner_list = spec.records[1]
        listed = quote_identifier("@list:" + inner_list)
        parents = ", ".join(quote_identifier(n) for n in spec.parent_columns)
        numbered = (
            f"select parent, {parents}, ok, before, "
            "unnest(case when ok then range(1, len(maps) + 1) else [0] end) as sub, "
            "unnest(case when ok then maps else [null] end) as m from ("
            f"select *, coalesce(sum(case when ok then len(maps) end) over (order by parent "
            "rows between unbounded preceding and current row), 0) - "
            "coalesce(case when ok then len(maps) end, 0) as before from ("
            "select *, maps is not null and list_count(maps) = len(maps) as ok from ("
            f"select item as parent, {parents}, try_cast({listed} as MAP(VARCHAR, JSON)[]) "
            f'as maps from {self.name(0)} where list_contains("@keys", '
            f"{quote_literal(inner_list)}))))"
        )
        items = f"select *, case when sub > 0 then before + sub end as item from ({numbered})"
        self.scratch.execute(
            f"create table {self.name(1)} as select *, item::integer as _source_row, "
            f"{self.provenance} from ({_level_sql(items, level, spec.parent_columns)})"
        )
        odd = self.sql(f"select parent from {self.name(1)} where sub = 0 order by parent limit 1")
        if not odd:
            return
        ((item,),) = odd
        outer = f"{self.list_key} item {item}"
        ((kind, before),) = self.sql(
            f"select json_type({listed}), (select coalesce(sum(sub), 0)::bigint from "
            f"(select parent, max(sub) as sub from {self.name(1)} where parent < {item} "
            f"group by parent)) from {self.name(0)} where item = {item}"
        )
        if kind != "ARRAY":
            raise self.reject(f"{outer}: {inner_list!r} is not a list", column=inner_list)
        text = self.sql(
            f"select unnest(cast({listed} as JSON[]))::varchar from {self.name(0)} "
            f"where item = {item}"
        )
        for sub, (raw,) in enumerate(text, start=1):
            if not isinstance(json.loads(raw), dict):
                raise self.reject(
                    f"{outer}, {inner_list} item {sub} is not an object", row=before + sub
                )
            if (repeated := _repeated_keys(raw)) is not None:
                raise self.reject(
                    f"{outer}, {inner_list} item {sub} gives the key {repeated!r} twice in one "
                    "object: which value is meant cannot be known",
                    row=before + sub,
                    column=repeated,
                )
        raise self.reject(f"{outer}: {inner_list!r} cannot be read")

    def staged(self, index: int, extras: list[str]) -> StagedJson:
        table = self.tables[index]
        names: dict[str, str] = {}
        for column in (*table.columns, *extras):
            if (clash := names.get(column.lower())) is not None:
                raise self.reject(
                    f"the fields {clash!r} and {column!r} would both be the column "
                    f"{column!r} of {table.qualified_name} (names are compared whatever "
                    "their letter case)",
                    column=column,
                )
            names[column.lower()] = column
        ((rows,),) = self.sql(f"select count(*) from {self.name(index)}")
        return StagedJson(table, self.name(index), extras, rows)


def _repeated_keys(raw: str | None) -> str | None:
    """The first key an object in ``raw`` gives twice, if any."""
    repeated: list[str] = []

    def pairs(items):
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys) and not repeated:
            repeated.append(next(k for i, k in enumerate(keys) if k in keys[:i]))
        return dict(items)

    if raw is not None:
        json.loads(raw, object_pairs_hook=pairs)
    return repeated[0] if repeated else None


def check_json_document(file: str, file_name: str, document: dict, table: RawTable) -> None:
    """The export's format version and inspection id, against the layout and the file name."""
    spec = table.json
    assert spec is not None
    if spec.format_field:
        received = field_at(document, spec.format_field)
        if received is _MISSING:
            raise FileRejected(
                file, f"has no {spec.format_field!r} field", column=spec.format_field
            )
        if received not in spec.formats:
            raise FileRejected(
                file,
                f"format {received!r} is not one this loader reads ({', '.join(spec.formats)})",
                column=spec.format_field,
            )
    if spec.inspection_field:
        inspection = field_at(document, spec.inspection_field)
        if inspection is _MISSING or not isinstance(inspection, str) or not inspection.strip():
            raise FileRejected(file, "has no inspection id", column=spec.inspection_field)
        if not table.names_inspection(file_name, inspection):
            before, _, after = (table.file_name or "{inspection}").partition("{inspection}")
            name = f"{before}{inspection.strip()}{after}"
            if table.reexport_suffix:  # e.g. X_<id>_<n>.json, n = 2, 3, ...
                suffix = table.reexport_suffix.replace("{n}", "<n>")
                name += f" (re-exported: {before}{inspection.strip()}{suffix}{after}, n from 2)"
            raise FileRejected(
                file,
                f"is named for another inspection than its {spec.inspection_field} "
                f"{inspection.strip()!r}: it must be named {name}",
                column=spec.inspection_field,
            )


def stage_json(
    scratch: duckdb.DuckDBPyConnection,
    prefix: str,
    file: str,
    path: Path,
    tables: list[RawTable],
    workdir: Path,
    sha256: str,
    loaded_at: dt.datetime,
) -> list[StagedJson]:
    """Land an export's records as rows of its raw tables (in the scratch database).

    Refused, naming the place: bytes that are not one UTF-8 JSON object (line and
    column), a format version the layout does not list, a file name that disagrees
    with the inspection id, a missing required field, the key (``case_id``) given
    twice, a key given twice in one object, keys differing only in letter case. Where
    a file has several faults in its records, the first record's is named. Fields the
    layout does not name are kept as columns (``StagedJson.extra_columns``). The staged
    tables hold working columns beside the raw ones (named ``@...``): move the raw
    table's columns, the extras and the provenance.
    """
    export = JsonExport(scratch, prefix, file, path, tables, workdir, sha256, loaded_at)
    try:
        document = export.read()
        export.refuse_odd_records()
        # the records' table carries the export's own fields; the nested ones do not
        own = export.check_document(document)
        extras = export.check_level(0, [*tables[0].json.document_columns, *own])
        staged = [export.staged(0, [*own, *extras])]
        if len(tables) > 1:
            export.build_nested_level()
        staged += [export.staged(i, export.check_level(i, [])) for i in range(1, len(tables))]
        return staged
    except BaseException:
        for index in range(len(tables)):
            scratch.execute(f"drop table if exists {export.name(index)}")
        raise
