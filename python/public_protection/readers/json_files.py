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

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from public_protection.layout import PROVENANCE_COLUMNS
from public_protection.readers.base import (
    FileRejected,
    LandingFile,
    StagedRows,
    StagedTable,
)
from public_protection.readers.json_levels import Level, kind_name, level_sql, text_sql
from public_protection.readers.json_text import (
    MIN_OBJECT_BYTES,
    MISSING,
    NON_FINITE,
    TOO_DEEP,
    NotJson,
    check_json_document,
    copy_bytes,
    field_at,
    json_text,
    not_json,
    read_json_document,
    scan_head,
)
from public_protection.sql import quote_identifier, quote_literal

# --- reading and checking -------------------------------------------------------


@dataclass
class _Fault:
    item: int  # the record's number: of several faults, the first record's is named
    order: int  # then the layout's order of fields
    rejection: FileRejected


class JsonExport:
    """One export being landed in the scratch database, or refused."""

    def __init__(self, source: LandingFile):
        self.scratch = source.scratch
        self.prefix = source.prefix
        self.file = source.name
        self.path = source.path
        self.tables = tables = source.tables
        self.workdir = source.workdir
        sha256, loaded_at, file = source.sha256, source.loaded_at, source.name
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
            listed = document.pop(self.list_key, MISSING)
            if listed is MISSING:
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
                json_text(field_at(document, n)) if field_at(document, n) is not MISSING else None
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
            f"_source_row, {self.provenance} from ({level_sql(inner, self.levels[0], ())})"
        )

    # -- the export's own fields --

    def check_document(self, document: dict) -> list[str]:
        """Format and inspection id, the export's own fields present; the fields it has
        that the layout does not name (kept as columns of the first table)."""
        check_json_document(self.file, self.path.name, document, self.tables[0])
        for name in self.spec.document_columns:
            if field_at(document, name) is MISSING:
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
                json.loads(value, parse_constant=not_json)
            except NotJson:
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
                f'update {source} set {column} = {text_sql(found)} where len("@extra") > 0'
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
                    reason += f" ({prefix!r} is {kind_name(kind)}, not an object)"
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
            f"{self.provenance} from ({level_sql(items, level, spec.parent_columns)})"
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

    def staged(self, index: int, extras: list[str]) -> StagedTable:
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
        return StagedTable(table, self.name(index), extras, rows)


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


def stage(source: LandingFile) -> StagedRows:
    """The reader of ``.json`` exports: its records as rows of its raw tables (the
    records' table and the nested lists' tables, in the scratch database).

    Refused, naming the place: bytes that are not one UTF-8 JSON object (line and
    column), a format version the layout does not list, a file name that disagrees
    with the inspection id, a missing required field, the key (``case_id``) given
    twice, a key given twice in one object, keys differing only in letter case. Where
    a file has several faults in its records, the first record's is named. Fields the
    layout does not name are kept as columns (``StagedTable.extra_columns``). The staged
    tables hold working columns beside the raw ones (named ``@...``): move the raw
    table's columns, the extras and the provenance.
    """
    export = JsonExport(source)
    tables, scratch = source.tables, source.scratch
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
        return StagedRows(staged)
    except BaseException:
        for index in range(len(tables)):
            scratch.execute(f"drop table if exists {export.name(index)}")
        raise
