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


def _object_columns(level: Level) -> str:
    """SQL: each known object of a record as a map (NULL if absent, null or not an object)."""
    columns = []
    for prefix in level.objects:
        holder, key = _holder(prefix)
        value = f"{holder}[{quote_literal(key)}]"
        columns.append(f"try_cast({value} as MAP(VARCHAR, JSON)) as {_map_column(prefix)}")
    return "".join(f", {c}" for c in columns)


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


@dataclass
class _Column:
    """A raw column and where its value is: a map's key, or the export's own field."""

    name: str
    holder: str | None  # SQL map expression, None for the export's own fields
    key: str
    item: int = 0  # the first record holding it (extras), for messages


def _entries(source: str, level: Level) -> str:
    """SQL: every key of every record of a level, and in its known objects, with its
    value's JSON text: (item, prefix, key, value)."""
    parts = [
        f"select item, '' as prefix, unnest(map_keys(m)) as key, "
        f"unnest(map_values(m))::varchar as value from {source}"
    ]
    for prefix in level.objects:
        column = _map_column(prefix)
        parts.append(
            f"select item, {quote_literal(prefix)}, unnest(map_keys({column})), "
            f"unnest(map_values({column}))::varchar from {source} where {column} is not null"
        )
    return " union all ".join(parts)


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
        self.warnings: list[str] = []
        self.levels = []
        for table in tables:
            assert table.json is not None and table.json.records[0] == self.list_key
            nested = set(table.json.nested)
            self.levels.append(Level(table, (*table.json.fields, *table.json.nested), nested))

    def sql(self, statement: str) -> list[tuple]:
        return self.scratch.execute(statement).fetchall()

    def name(self, what: str) -> str:
        return f"{self.prefix}_{what}"

    def reject(self, reason: str, row: int | None = None, column: str | None = None):
        return FileRejected(self.file, reason, row, column)

    def diagnose(self, why: str) -> FileRejected:
        """DuckDB read a value JSON has no place for: Python's parser names the place."""
        read_json_document(self.file, self.path)  # raises with the line and column
        return self.reject(why)

    # -- the list's records, read by DuckDB --

    def read_document(self) -> dict:
        """The export's own fields; its list's records into the scratch database."""
        records = self.workdir / f"{self.prefix}.json"
        try:
            head = scan_head(self.file, self.path, self.list_key)
            if head is not None:
                copy_bytes(self.path, head.list_start, head.list_end, records)
                try:
                    self._read_records(records)
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
                self._read_records(records)
            except duckdb.Error as error:
                raise self.reject(f"cannot be read as JSON ({error})") from None
            return document
        finally:
            records.unlink(missing_ok=True)

    def _read_records(self, records: Path) -> None:
        size = max(records.stat().st_size + 1, MIN_OBJECT_BYTES)
        table = self.name("level_1")
        self.scratch.execute(f"drop table if exists {table}")
        self.scratch.execute(
            f"create table {table} as select item, m{_object_columns(self.levels[0])}, "
            "case when m is null then json_type(json) end as kind, "
            "case when m is null then json end as raw "
            "from (select ordinality as item, json, try_cast(json as MAP(VARCHAR, JSON)) as m "
            f"from read_json_objects({quote_literal(str(records))}, format = 'array', "
            f"maximum_object_size = {size}) with ordinality)"
        )

    # -- the export's own fields --

    def check_document(self, document: dict) -> list[_Column]:
        """Format and inspection id, the export's own fields present; its columns."""
        check_json_document(self.file, self.path.name, document, self.tables[0])
        columns = []
        for name in self.spec.document_columns:
            if field_at(document, name) is _MISSING:
                raise self.reject(f"missing required field {name!r}", column=name)
            columns.append(_Column(name, None, name))
        # the export's fields the layout does not name: kept, on the first table's rows
        known = {name.split(".")[0] for name in self.spec.document_columns} | {self.list_key}
        objects = {name.rpartition(".")[0] for name in self.spec.document_columns} - {""}
        for key, value in document.items():
            if key in objects and isinstance(value, dict):
                inside = {
                    n.rpartition(".")[2]
                    for n in self.spec.document_columns
                    if n.startswith(key + ".")
                }
                columns += [
                    _Column(f"{key}.{k}", None, f"{key}.{k}") for k in value if k not in inside
                ]
            elif key not in known:
                columns.append(_Column(key, None, key))
        return columns

    # -- one level's records --

    def label(self, level: int, item: int) -> str:
        if level == 0:
            return f"{self.list_key} item {item}"
        ((parent, sub),) = self.sql(
            f"select parent, sub from {self.name('level_2')} where item = {item}"
        )
        return f"{self.list_key} item {parent}, {self.levels[1].table.json.records[1]} item {sub}"

    def check_level(self, index: int, own: list[_Column]) -> list[_Column]:
        """Refuse the first record lacking a field, repeating the key, or holding a key
        that differs from another only in letter case; return the level's columns."""
        level = self.levels[index]
        spec = level.table.json
        source = self.name(f"level_{index + 1}")
        label = lambda item: self.label(index, item)  # noqa: E731
        entries = _entries(source, level)
        received = self.sql(
            f"select prefix, key, min(item) as first from ({entries}) group by all order by first"
        )
        # values JSON has no place for, and lists or objects nested too deeply
        leaves = [p for p in (*level.objects, *level.structural)]
        non_finite = ", ".join(quote_literal(n) for n in NON_FINITE)
        for item, prefix, key, value in self.sql(
            f"select item, prefix, key, value from ({entries}) where (length(value) <= 10 "
            f"and lower(value) in ({non_finite})) or (left(value, 1) in ('[', '{{') and "
            f"concat_ws('.', nullif(prefix, ''), key) not in "
            f"({', '.join(quote_literal(p) for p in leaves) or quote_literal('')})) "
            "order by item limit 100"
        ):
            path = f"{prefix}.{key}" if prefix else key
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
        faults: list[_Fault] = []
        declared = {path.lower(): path for path in (*level.fields, *level.objects)}
        parents = set(spec.parent_columns)
        extras: list[_Column] = []
        seen: dict[str, str] = {}  # lower-case path -> the spelling first seen
        for prefix, key, first in received:
            path = f"{prefix}.{key}" if prefix else key
            if path in declared.values() or (not prefix and key in parents):
                seen.setdefault(path.lower(), path)
                continue
            other = declared.get(path.lower()) or seen.get(path.lower())
            if other is not None:
                both = self._has_both(source, prefix, key, other, first)
                reason = (
                    f"{label(first)} has both {other!r} and {path!r}: "
                    if both
                    else f"{label(first)} has {path!r} where the layout names {other!r}: "
                )
                faults.append(
                    _Fault(
                        first,
                        -1,
                        self.reject(
                            reason + "names that differ only in letter case cannot be told apart "
                            "as columns; rename one",
                            row=first,
                            column=path,
                        ),
                    )
                )
                continue
            if path.lower() in {n.lower() for n in PROVENANCE_COLUMNS}:
                faults.append(
                    _Fault(
                        first,
                        -1,
                        self.reject(
                            f"{label(first)}: its field {path!r} is a reserved name",
                            row=first,
                            column=path,
                        ),
                    )
                )
                continue
            seen[path.lower()] = path
            holder = _map_column(prefix) if prefix else "m"
            extras.append(_Column(path, holder, key, first))
        faults += self._missing_fields(source, level, label)
        if spec.key is not None:
            faults += self._repeated_key(source, spec.key, spec.records[0])
        for name in parents:
            faults += self._parent_given_again(source, name, label)
        if faults:
            raise min(faults, key=lambda fault: (fault.item, fault.order)).rejection
        return extras

    def _has_both(self, source: str, prefix: str, key: str, other: str, item: int) -> bool:
        holder = _map_column(prefix) if prefix else "m"
        other_key = other.rpartition(".")[2] if prefix else other
        (both,) = self.sql(
            f"select map_contains({holder}, {quote_literal(other_key)}) from {source} "
            f"where item = {item}"
        )
        return bool(both[0])

    def _missing_fields(self, source: str, level: Level, label) -> list[_Fault]:
        presence = []
        for path in level.fields:
            holder, key = _holder(path)
            presence.append(
                f"min(item) filter (where not coalesce(map_contains({holder}, "
                f"{quote_literal(key)}), false))"
            )
        (firsts,) = self.sql(f"select {', '.join(presence)} from {source}")
        faults = []
        for order, (path, item) in enumerate(zip(level.fields, firsts, strict=True)):
            if item is None:
                continue
            reason = f"{label(item)} has no field {path!r}"
            prefix = path.rpartition(".")[0]
            if prefix:
                # the object it should be in: absent, null or not an object
                holder, key = _holder(prefix)
                ((given, kind),) = self.sql(
                    f"select map_contains({holder}, {quote_literal(key)}), "
                    f"json_type({holder}[{quote_literal(key)}]) from {source} where item = {item}"
                )
                if given:
                    reason += f" ({prefix!r} is {_kind_name(kind)}, not an object)"
            faults.append(_Fault(item, order, self.reject(reason, item, path)))
        return faults

    def _repeated_key(self, source: str, key: str, records: str) -> list[_Fault]:
        holder, name = _holder(key)
        rows = self.sql(
            f"select item, first, given from (select item, given, min(item) over "
            f"(partition by trim(given)) as first from (select item, "
            f"{_text(f'{holder}[{quote_literal(name)}]')} as given from {source}) "
            "where given is not null) where item > first order by item limit 1"
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
        given = _text(f"m[{quote_literal(name)}]")
        parent = quote_identifier("parent:" + name)
        rows = self.sql(
            f"select item, {given}, {parent} from {source} where map_contains(m, "
            f"{quote_literal(name)}) and {given} is distinct from {parent} order by item limit 1"
        )
        if not rows:
            return []
        ((item, given, parent),) = rows
        where = label(item)
        outer, _, inner = where.partition(", ")
        reason = (
            f"{outer} ({name} {parent!r}), {inner} gives {name} {given!r}: a rating is its "
            f"case's, and a {name} it gives must be its case's"
        )
        return [_Fault(item, -1, self.reject(reason, item, name))]

    def refuse_odd_records(self, index: int) -> None:
        """Refuse the first record that is not an object, or gives a key twice."""
        source = self.name(f"level_{index + 1}")
        rows = self.sql(
            f"select item, kind, raw from {source} where m is null order by item limit 1"
        )
        if not rows:
            return
        ((item, kind, raw),) = rows
        where = self.label(index, item)
        if kind != "OBJECT":
            raise self.reject(f"{where} is not an object", row=item)
        repeated = _repeated_keys(raw)
        raise self.reject(
            f"{where} gives the key {repeated!r} twice in one object: which value is meant "
            "cannot be known",
            row=item,
            column=repeated,
        )

    def build_nested_level(self) -> None:
        """The second level's records (a case's ratings), numbered through the file."""
        level = self.levels[1]
        spec = level.table.json
        inner = spec.records[1]
        lists = self.name("lists")
        parent = ", ".join(
            f"{_text(f'm[{quote_literal(n)}]')} as {quote_identifier('parent:' + n)}"
            for n in spec.parent_columns
        )
        parent_names = ", ".join(quote_identifier("parent:" + n) for n in spec.parent_columns)
        self.scratch.execute(
            f"create table {lists} as select parent, {parent_names}, maps, "
            f"case when maps is null then json_type(listed) end as kind, "
            f"case when maps is null then listed end as listed from (select item as parent, "
            f"{parent}, m[{quote_literal(inner)}] as listed, "
            f"try_cast(m[{quote_literal(inner)}] as MAP(VARCHAR, JSON)[]) as maps "
            f"from {self.name('level_1')} where map_contains(m, {quote_literal(inner)}))"
        )
        odd = self.sql(
            f"select parent, kind from {lists} where maps is null order by parent limit 1"
        )
        if odd:
            ((item, kind),) = odd
            outer = f"{self.list_key} item {item}"
            if kind != "ARRAY":
                raise self.reject(f"{outer}: {inner!r} is not a list", column=inner)
            (before,) = self.sql(
                f"select coalesce(sum(len(maps)), 0) from {lists} where parent < {item}"
            )[0]
            text = self.sql(
                f"select unnest(cast(listed as JSON[]))::varchar from {lists} where parent = {item}"
            )
            for sub, (raw,) in enumerate(text, start=1):
                if not isinstance(json.loads(raw), dict):
                    raise self.reject(
                        f"{outer}, {inner} item {sub} is not an object", row=before + sub
                    )
                if (repeated := _repeated_keys(raw)) is not None:
                    raise self.reject(
                        f"{outer}, {inner} item {sub} gives the key {repeated!r} twice in one "
                        "object: which value is meant cannot be known",
                        row=before + sub,
                        column=repeated,
                    )
            raise self.reject(f"{outer}: {inner!r} cannot be read")
        self.scratch.execute(
            f"create table {self.name('level_2')} as select *{_object_columns(level)} from ("
            f"select parent, sub, before + sub as item, {parent_names}, m, "
            "cast(null as JSON) as kind, cast(null as VARCHAR) as raw from ("
            f"select parent, {parent_names}, before, unnest(range(1, len(maps) + 1)) as sub, "
            f"unnest(maps) as m from (select *, sum(len(maps)) over (order by parent rows "
            f"between unbounded preceding and current row) - len(maps) as before from {lists})))"
        )

    def write_table(
        self,
        index: int,
        document: dict,
        columns: list[_Column],
        sha256: str,
        loaded_at: dt.datetime,
    ) -> StagedJson:
        """The level's rows as raw keeps them, with provenance, in the scratch database."""
        table = self.tables[index]
        names: dict[str, str] = {}
        for column in columns:
            if (clash := names.get(column.name.lower())) is not None:
                raise self.reject(
                    f"the fields {clash!r} and {column.name!r} would both be the column "
                    f"{column.name!r} of {table.qualified_name} (names are compared "
                    "whatever their letter case)",
                    column=column.name,
                )
            names[column.name.lower()] = column.name
        selected = []
        for column in columns:
            if column.holder is None:
                value = json_text(field_at(document, column.key))
                selected.append(f"{'null' if value is None else quote_literal(value)}::varchar")
            elif column.holder.startswith('"parent:'):
                selected.append(column.holder)
            else:
                selected.append(_text(f"{column.holder}[{quote_literal(column.key)}]"))
        target = self.name(table.name)
        self.scratch.execute(
            f"create table {target} as select "
            + "".join(
                f"{v} as {quote_identifier(c.name)}, "
                for v, c in zip(selected, columns, strict=True)
            )
            + f"{quote_literal(self.file)} as _source_file, {quote_literal(sha256)} as "
            f"_source_sha256, item::integer as _source_row, "
            f"{quote_literal(loaded_at.isoformat(sep=' '))}::timestamp as _loaded_at "
            f"from {self.name(f'level_{index + 1}')} order by item"
        )
        (rows,) = self.sql(f"select count(*) from {target}")[0]
        extras = [c.name for c in columns if c.name not in table.columns]
        return StagedJson(table, target, extras, rows)

    def drop_work_tables(self) -> None:
        for what in ("level_1", "level_2", "lists"):
            self.scratch.execute(f"drop table if exists {self.name(what)}")


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
) -> tuple[list[StagedJson], list[str]]:
    """Land an export's records as rows of its raw tables (in the scratch database).

    Refused, naming the place: bytes that are not one UTF-8 JSON object (line and
    column), a format version the layout does not list, a file name that disagrees
    with the inspection id, a missing required field, the key (``case_id``) given
    twice, a key given twice in one object, keys differing only in letter case. Where
    a file has several faults in its records, the first record's is named. Returns
    the staged tables and the warnings (fields kept that the layout does not name).
    """
    export = JsonExport(scratch, prefix, file, path, tables, workdir)
    try:
        document = export.read_document()
        export.refuse_odd_records(0)
        own = export.check_document(document)
        staged = []
        for index, table in enumerate(tables):
            if index == 1:
                export.build_nested_level()
                export.refuse_odd_records(1)
            level = export.levels[index]
            parents = [
                _Column(n, quote_identifier("parent:" + n), n) for n in table.json.parent_columns
            ]
            first = own if index == 0 else []
            extras = export.check_level(index, first)
            declared = [_Column(p, *_holder(p)) for p in table.json.fields]
            staged.append(
                export.write_table(
                    index, document, [*first, *parents, *declared, *extras], sha256, loaded_at
                )
            )
            del level
        return staged, export.warnings
    finally:
        export.drop_work_tables()
